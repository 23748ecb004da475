/** The vault options every command that reads YAML takes, and installing the run's keyring. */
import type { Command } from 'commander';
import type { Settings } from '../config/load.js';
import { useVaultKeyring } from '../vault/active.js';
import type { VaultKeyring } from '../vault/keyring.js';
import type { VaultOptions } from '../vault/sources.js';
import { collect } from './options.js';

export function addVaultOptions(cmd: Command): Command {
  return cmd
    .option('--vault-id <[label@]source>', 'vault secret: a password file, an executable script or "prompt" (repeatable)', collect)
    .option('--vault-password-file <file>', 'vault password file or executable script (= --vault-id default@FILE; repeatable)', collect)
    .option('-J, --ask-vault-pass', 'ask for the vault password (hidden)');
}

/** Read the vault secrets and make them the ones YAML loading decrypts with. */
export async function installVault(o: VaultOptions, config: Settings = {}): Promise<VaultKeyring> {
  const { openKeyring, vaultSpecs } = await import('../vault/sources.js'); // ansible-vault: not at start-up
  const keyring = await openKeyring(vaultSpecs(o, { passwordFile: config.vaultPasswordFile, identityList: config.vaultIdentityList }));
  useVaultKeyring(keyring);
  return keyring;
}

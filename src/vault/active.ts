/**
 * The keyring that YAML loading decrypts with. Loading YAML is synchronous and happens in many
 * places (inventories, group_vars, playbooks, roles, -e @file); rather than thread a keyring through
 * every loader, the CLI installs the run's keyring here once, before it loads anything.
 */
import { VaultKeyring } from './keyring.js';

let active = new VaultKeyring([]);

export function useVaultKeyring(k: VaultKeyring): void {
  active = k;
}

export function vaultKeyring(): VaultKeyring {
  return active;
}

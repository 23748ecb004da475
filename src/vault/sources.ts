/**
 * Where vault passwords come from, as Ansible: `--vault-id [label@]source` (repeatable), where source
 * is a file, an executable script (its stdout is the password; a script named `*-client*` is given
 * `--vault-id LABEL`) or `prompt`; `--vault-password-file F` (= `default@F`); `--ask-vault-pass`
 * (= `default@prompt`); $ANSIBLE_VAULT_PASSWORD_FILE and $ANSIBLE_VAULT_IDENTITY_LIST when no flag
 * names a source; the config's vault password file last.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { promisify } from 'node:util';
import { VaultError } from '../errors.js';
import { Secret } from '../util/secret.js';
import { VaultKeyring, type VaultSecret } from './keyring.js';
import { promptHidden, promptNew } from './prompt.js';

const run = promisify(execFile);

export interface VaultOptions {
  vaultId?: string[];
  vaultPasswordFile?: string[];
  askVaultPass?: boolean;
}

export interface VaultIdSpec {
  label: string;
  source: string;
}

export function parseVaultId(spec: string): VaultIdSpec {
  const at = spec.indexOf('@');
  if (at < 0) return { label: 'default', source: spec };
  const label = spec.slice(0, at);
  const source = spec.slice(at + 1);
  if (!label || !source) throw new VaultError(`bad --vault-id "${spec}": expected LABEL@SOURCE or SOURCE`);
  if (/[;\s]/.test(label)) throw new VaultError(`bad vault id label "${label}": no ";" or white space`);
  return { label, source };
}

function isExecutable(file: string): boolean {
  try {
    const st = statSync(file);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

async function fromFile(spec: VaultIdSpec): Promise<string> {
  const file = resolve(spec.source);
  let text: string;
  if (isExecutable(file)) {
    const args = /-client(\.[^/]*)?$/.test(basename(file)) ? ['--vault-id', spec.label] : [];
    try {
      text = (await run(file, args, { encoding: 'utf8', maxBuffer: 1 << 20 })).stdout;
    } catch (err) {
      const e = err as { code?: number | string; stderr?: string };
      throw new VaultError(`vault password script ${file} failed (exit ${String(e.code)})${e.stderr ? `: ${e.stderr.trim().split('\n')[0]}` : ''}`, { cause: err });
    }
  } else {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new VaultError(`cannot read vault password file ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  const password = text.trim();
  if (!password) throw new VaultError(`vault password file ${file} is empty`);
  return password;
}

async function secretFor(spec: VaultIdSpec, newPassword: boolean): Promise<VaultSecret> {
  if (spec.source === 'prompt' || spec.source === 'prompt_ask_vault_pass') {
    const what = spec.label === 'default' ? '' : ` (${spec.label})`;
    const value = newPassword ? await promptNew(`New Vault password${what}:`) : await promptHidden(`Vault password${what}:`);
    if (!value) throw new VaultError('an empty vault password is not allowed');
    return { label: spec.label, password: new Secret(value), source: 'prompt' };
  }
  return { label: spec.label, password: new Secret(await fromFile(spec)), source: resolve(spec.source) };
}

/** The vault id specs the options (and, when they name none, the environment and config) ask for. */
export function vaultSpecs(o: VaultOptions, config: { passwordFile?: string; identityList?: string[] } = {}): VaultIdSpec[] {
  const specs: VaultIdSpec[] = [
    ...(o.vaultId ?? []).map(parseVaultId),
    ...(o.vaultPasswordFile ?? []).map((f) => ({ label: 'default', source: f })),
  ];
  if (o.askVaultPass) specs.push({ label: 'default', source: 'prompt' });
  if (specs.length > 0) return specs;
  const list = process.env.ANSIBLE_VAULT_IDENTITY_LIST;
  if (list) specs.push(...list.split(',').map((s) => s.trim()).filter(Boolean).map(parseVaultId));
  const envFile = process.env.ANSIBLE_VAULT_PASSWORD_FILE;
  if (envFile) specs.push({ label: 'default', source: envFile });
  if (specs.length > 0) return specs;
  specs.push(...(config.identityList ?? []).map(parseVaultId));
  if (config.passwordFile) specs.push({ label: 'default', source: config.passwordFile });
  return specs;
}

/** Read every secret the specs name (prompts last-in-order as given). */
export async function openKeyring(specs: VaultIdSpec[], opts: { newPassword?: boolean } = {}): Promise<VaultKeyring> {
  const secrets: VaultSecret[] = [];
  for (const s of specs) secrets.push(await secretFor(s, opts.newPassword === true));
  return new VaultKeyring(secrets);
}

/**
 * The vault secrets of a run and the one place that encrypts and decrypts (with the `ansible-vault`
 * library: Ansible's VaultAES256, PBKDF2-SHA256 10000 rounds, AES-256-CTR, HMAC-SHA256).
 * Decryption tries the secrets whose label matches a 1.2 header first, then every other one, as
 * ansible-vault does. Everything decrypted is tainted: it prints as *** in every output.
 */
import { createRequire } from 'node:module';
import type { Vault } from 'ansible-vault';
import { VaultError, type SourceLocation } from '../errors.js';
import { Secret, taint } from '../util/secret.js';
import { parseEnvelope } from './format.js';

const require = createRequire(import.meta.url);
let VaultClass: typeof Vault | undefined;
/** ansible-vault (and its crypto) is loaded with the first vaulted value, not by every run. */
function vaultOf(password: string): Vault {
  VaultClass ??= (require('ansible-vault') as typeof import('ansible-vault')).Vault;
  return new VaultClass({ password });
}

export interface VaultSecret {
  /** Vault id label; `default` when none was given, as Ansible. */
  label: string;
  password: Secret;
  /** Where it came from (a file name, "prompt"): for error messages, never the value. */
  source: string;
}

export class VaultKeyring {
  readonly secrets: readonly VaultSecret[];
  constructor(secrets: readonly VaultSecret[]) {
    this.secrets = secrets;
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  /** Decrypt an envelope; the plaintext is tainted. */
  decrypt(text: string, where?: SourceLocation): { plaintext: string; label: string } {
    const env = parseEnvelope(text);
    if ('error' in env) throw new VaultError(env.error, { location: where });
    if (this.secrets.length === 0) {
      throw new VaultError('found vaulted data but no vault secret was given (use --vault-password-file, --vault-id or --ask-vault-pass)', { location: where });
    }
    const ordered = [...this.secrets.filter((s) => s.label === env.label), ...this.secrets.filter((s) => s.label !== env.label)];
    for (const s of ordered) {
      let plain: string | undefined;
      try {
        plain = vaultOf(s.password.reveal()).decryptSync(env.text, undefined);
      } catch {
        continue; // integrity check failed: not this secret
      }
      if (plain === undefined) continue;
      taint(plain);
      return { plaintext: plain, label: s.label };
    }
    const tried = ordered.map((s) => `${s.label}@${s.source}`).join(', ');
    throw new VaultError(`decryption failed: no vault secret matches${env.label ? ` (vault id ${env.label})` : ''}; tried ${tried}`, { location: where });
  }

  /** Encrypt with the secret of this label (or the first one); 1.2 with the label unless it is `default`. */
  encrypt(plaintext: string, label?: string): string {
    const s = this.pick(label);
    const id = s.label === 'default' ? undefined : s.label;
    return `${vaultOf(s.password.reveal()).encryptSync(plaintext, id as string)}\n`;
  }

  pick(label?: string): VaultSecret {
    if (this.secrets.length === 0) throw new VaultError('no vault secret given (use --vault-password-file, --vault-id or --ask-vault-pass)');
    if (label === undefined) return this.secrets[0]!;
    const s = this.secrets.find((x) => x.label === label);
    if (!s) throw new VaultError(`no vault secret with id "${label}" (given: ${this.secrets.map((x) => x.label).join(', ')})`);
    return s;
  }
}

/**
 * The envelope of Ansible's vault format: `$ANSIBLE_VAULT;1.1;AES256` or
 * `$ANSIBLE_VAULT;1.2;AES256;LABEL`, then hex lines. The crypto itself is the `ansible-vault`
 * library's (src/vault/keyring.ts); this file only reads and checks the header.
 */
export const VAULT_HEADER = '$ANSIBLE_VAULT';

export interface VaultEnvelope {
  version: '1.1' | '1.2';
  cipher: string;
  /** The vault id label of a 1.2 envelope. */
  label?: string;
  /** The whole envelope, normalised: header and body lines, no surrounding blank space. */
  text: string;
}

/** Does this text (a file's content or a `!vault` scalar) hold a vault envelope? */
export function isVaulted(text: string): boolean {
  return text.trimStart().startsWith(`${VAULT_HEADER};`);
}

/** Parse the envelope; undefined with a reason when it is not one hostforge can open. */
export function parseEnvelope(text: string): VaultEnvelope | { error: string } {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const header = lines[0] ?? '';
  const [magic, version, cipher, label] = header.split(';');
  if (magic !== VAULT_HEADER) return { error: 'not an Ansible vault (no $ANSIBLE_VAULT header)' };
  if (version !== '1.1' && version !== '1.2') return { error: `unsupported vault format version ${version ?? '(none)'}` };
  if (cipher !== 'AES256') return { error: `unsupported vault cipher ${cipher ?? '(none)'}` };
  if (version === '1.2' && !label) return { error: 'a 1.2 vault header needs a vault id label' };
  const body = lines.slice(1);
  if (body.length === 0 || !body.every((l) => /^[0-9a-fA-F]+$/.test(l))) return { error: 'damaged vault body (expected hex lines)' };
  return { version, cipher, label: version === '1.2' ? label : undefined, text: [header, ...body].join('\n') };
}

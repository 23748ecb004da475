/** The lab's client key and the hosts' public host keys (known_hosts). */
import { chmod, lstat, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from './exec.js';

/** A fresh ed25519 key at `path` (0600) and `path`.pub; returns the public key line. */
export async function generateLabKey(path: string, comment: string): Promise<string> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  await chmod(path, 0o600);
  return (await readFile(`${path}.pub`, 'utf8')).trim();
}

export interface PublicKey {
  type: string;
  blob: string;
}

/** "type base64 [comment]" → {type, blob}; undefined when the text is not a public key line. */
export function parsePublicKey(line: string): PublicKey | undefined {
  const m = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|ssh-dss)\s+([A-Za-z0-9+/]+={0,2})(?:\s|$)/.exec(line.trim());
  return m ? { type: m[1] as string, blob: m[2] as string } : undefined;
}

/** OpenSSH known_hosts text: one line per host key, the host named by its IP (port 22). */
export function knownHostsText(hosts: readonly { ip: string; keys: readonly PublicKey[] }[]): string {
  return hosts.flatMap((h) => h.keys.map((k) => `${h.ip} ${k.type} ${k.blob}\n`)).join('');
}

const KEY_ORDER = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa', 'ssh-dss'];

/** The public host keys a host made for itself, read from its overlay's upper directory (regular files only). */
export async function readHostKeys(upper: string): Promise<PublicKey[]> {
  const dir = join(upper, 'etc/ssh');
  const names = (await readdir(dir)).filter((n) => /^ssh_host_\w+_key\.pub$/.test(n));
  const keys: PublicKey[] = [];
  for (const n of names) {
    // A key of the machine's that the host deleted is an overlay whiteout (a 0/0 device) here.
    if (!(await lstat(join(dir, n))).isFile()) continue;
    const k = parsePublicKey(await readFile(join(dir, n), 'utf8'));
    if (k) keys.push(k);
  }
  return keys.sort((a, b) => KEY_ORDER.indexOf(a.type) - KEY_ORDER.indexOf(b.type));
}

/**
 * OpenSSH known_hosts: parse, match (plain and hashed names, [host]:port), append.
 * Pure except for the file read/append helpers at the end.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  line: number;
  patterns: string[];
  keyType: string;
  keyBase64: string;
  marker?: '@revoked' | '@cert-authority';
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (parts[0] === '@revoked' || parts[0] === '@cert-authority') marker = parts.shift() as KnownHostEntry['marker'];
    if (parts.length < 3) return;
    out.push({ line: i + 1, patterns: parts[0]!.split(','), keyType: parts[1]!, keyBase64: parts[2]!, marker });
  });
  return out;
}

/** The name OpenSSH looks up: "host" for port 22, "[host]:port" otherwise. */
export function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$',
    'i',
  );
  return re.test(name);
}

function patternMatches(pattern: string, token: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const h = createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest('base64');
    return h === hash;
  }
  return globMatch(pattern, token);
}

/** Entries whose host patterns match host:port (negations honoured). */
export function entriesFor(entries: KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const token = hostToken(host, port);
  return entries.filter((e) => {
    let hit = false;
    for (const p of e.patterns) {
      if (p.startsWith('!')) {
        if (patternMatches(p.slice(1), token)) return false;
      } else if (patternMatches(p, token)) hit = true;
    }
    return hit;
  });
}

export function fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** Key type name inside an SSH public key blob (string length-prefixed). */
export function blobKeyType(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

export type HostKeyVerdict =
  | { ok: true }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'mismatch'; expected: KnownHostEntry[] }
  | { ok: false; reason: 'revoked'; entry: KnownHostEntry };

export function verifyHostKey(entries: KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const mine = entriesFor(entries, host, port);
  const b64 = keyBlob.toString('base64');
  const revoked = entries.find((e) => e.marker === '@revoked' && e.keyBase64 === b64);
  if (revoked) return { ok: false, reason: 'revoked', entry: revoked };
  const plain = mine.filter((e) => !e.marker);
  if (plain.some((e) => e.keyBase64 === b64)) return { ok: true };
  if (plain.length === 0) return { ok: false, reason: 'unknown' };
  return { ok: false, reason: 'mismatch', expected: plain };
}

/** Host key algorithms to offer, from what known_hosts holds for this host (like OpenSSH). */
export function preferredHostKeyAlgorithms(entries: KnownHostEntry[], host: string, port: number): string[] | undefined {
  const types = new Set(entriesFor(entries, host, port).filter((e) => !e.marker).map((e) => e.keyType));
  if (types.size === 0) return undefined;
  const algs: string[] = [];
  for (const t of types) {
    if (t === 'ssh-rsa') algs.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else algs.push(t);
  }
  return algs;
}

export async function readKnownHosts(file: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(file, 'utf8'));
  } catch {
    return [];
  }
}

/** Record a newly accepted key (hashed names are not used: operators read this file). */
export async function appendKnownHost(file: string, host: string, port: number, keyBlob: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const line = `${hostToken(host, port)} ${blobKeyType(keyBlob)} ${keyBlob.toString('base64')}\n`;
  await appendFile(file, line, { mode: 0o600 });
}

/** Used only by tests: hash a host name the way `ssh-keygen -H` does. */
export function hashHostName(token: string, salt: Buffer = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`;
}

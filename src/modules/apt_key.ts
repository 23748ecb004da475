/**
 * apt_key: an APT signing key as a keyring FILE for `signed-by=` (apt-key's shared trust
 * store is deprecated and not used). The key comes from `data` (inline), `file` (a path on
 * the host) or `url` (fetched on the host with curl/wget while planning, nothing written);
 * it is written as given to `keyring` (default /etc/apt/keyrings/NAME with NAME from the
 * url or file, `.asc` for an ASCII-armored key, `.gpg` for a binary one; apt reads both).
 * `id` (when given) must appear in the key's fingerprint, checked with gpg on the host
 * when gpg is there. state=absent removes the keyring file.
 */
import { posix } from 'node:path';
import { InputError, TaskError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import { wantedAttrs } from './support/attrs.js';
import { planContent } from './support/content.js';
import { bool, exclusive, nonEmpty, object, oneOfValues, str, type Schema } from './support/schema.js';
import { fetchCommand } from './get_url/fetcher.js';

export interface AptKeyArgs {
  url?: string;
  file?: string;
  data?: string;
  keyring?: string;
  id?: string;
  state?: 'present' | 'absent';
  validate_certs?: boolean;
}

export const aptKeySchema: Schema = object(
  { url: nonEmpty, file: nonEmpty, data: str, keyring: nonEmpty, id: { type: 'string', pattern: '^(0x)?[0-9A-Fa-f]{8,40}$' }, state: oneOfValues('present', 'absent'), validate_certs: bool },
  [],
  { allOf: [exclusive('url', 'file'), exclusive('url', 'data'), exclusive('file', 'data')] },
);

const armored = (b: Buffer): boolean => b.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP PUBLIC KEY BLOCK-----');

export function keyringPath(a: AptKeyArgs, key: Buffer | null): string {
  if (a.keyring !== undefined) return a.keyring;
  const from = a.url !== undefined ? posix.basename(new URL(a.url).pathname) : a.file !== undefined ? posix.basename(a.file) : undefined;
  if (from === undefined || from === '') throw new InputError('apt_key: give keyring: (the file for signed-by=) when the key comes from data or id');
  const stem = from.replace(/\.(asc|gpg|key|pub)$/i, '');
  return `/etc/apt/keyrings/${stem}${key !== null && !armored(key) ? '.gpg' : '.asc'}`;
}

async function keyBytes(host: Host, a: AptKeyArgs): Promise<Buffer> {
  if (a.data !== undefined) return Buffer.from(a.data.endsWith('\n') ? a.data : `${a.data}\n`);
  if (a.file !== undefined) {
    const b = await host.read(a.file);
    if (b === null) throw new TaskError(`apt_key: ${a.file} does not exist on the host`);
    return b;
  }
  if (a.url !== undefined) {
    const r = await host.exec({ script: `${fetchCommand({ url: a.url, timeout: 30, ...(a.validate_certs === false ? { validateCerts: false } : {}) })} | base64` });
    if (r.code !== 0) throw new TaskError(`apt_key: cannot fetch ${a.url}: ${r.stderr.trim() || `exit ${r.code}`}`);
    return Buffer.from(r.stdout.replace(/\s+/g, ''), 'base64');
  }
  throw new InputError('apt_key: one of url, file or data is required with state=present');
}

async function checkId(host: Host, key: Buffer, id: string): Promise<void> {
  const want = id.replace(/^0x/i, '').toUpperCase();
  const r = await host.exec({ script: `command -v gpg >/dev/null 2>&1 || exit 100; ${shJoin(['gpg', '--batch', '--with-colons', '--show-keys'])}` }, { stdin: key });
  if (r.code === 100) return;
  const fprs = r.stdout.split('\n').filter((l) => l.startsWith('fpr:')).map((l) => l.split(':')[9] ?? '');
  if (!fprs.some((f) => f.toUpperCase().endsWith(want))) throw new TaskError(`apt_key: the key does not have id ${id} (fingerprints: ${fprs.join(', ') || 'none'})`);
}

export const aptKeyModule: Module<AptKeyArgs> = {
  name: 'apt_key',
  args: aptKeySchema,
  checkMode: 'full',
  async plan(host, a): Promise<Change[]> {
    if (a.state === 'absent') {
      const path = keyringPath(a, null);
      const st = await host.stat(path);
      return st === null ? [] : [{ action: 'delete', kind: 'absent', target: path, summary: `remove keyring ${path}` }];
    }
    const key = await keyBytes(host, a);
    if (a.id !== undefined) await checkId(host, key, a.id);
    const path = keyringPath(a, key);
    const dir = posix.dirname(path);
    const changes: Change[] = [];
    if ((await host.stat(dir)) === null) changes.push({ action: 'create', kind: 'directory', target: dir, summary: `create directory ${dir}`, attrs: { mode: '0755' } });
    const st = await host.stat(path);
    const cur = st?.type === 'file' ? await host.read(path) : null;
    changes.push(...(await planContent(host, path, key, cur === null ? null : st, cur, { wanted: wantedAttrs({ mode: '0644' }), note: 'APT signing key' })));
    return changes;
  },
  async apply(host, changes, a): Promise<ApplyResult> {
    await applyFileChanges(host, changes);
    return { keyring: changes.find((c) => c.kind === 'file' || c.kind === 'absent')?.target ?? a.keyring ?? null, state: a.state ?? 'present' };
  },
};

/**
 * fetch (ansible.builtin.fetch): a file from the host to the bastion. Layout as Ansible:
 * dest/INVENTORY_HOSTNAME/SRC_PATH, or with `flat: true` dest itself (dest ending in "/"
 * means dest/basename(src)). The host's `sha1sum` decides: a local copy with the same
 * SHA-1 is no change and nothing crosses the network. The bytes read are checked against
 * that checksum (validate_checksum) before they are written.
 *
 * Bastion safety: the file is written to a temporary file beside it and renamed, so the
 * final component is never followed; below `dest`, a symlinked directory or file in the
 * way is an error (a host's name or path cannot redirect the write elsewhere).
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { posix, resolve, sep } from 'node:path';
import { InputError, TaskError } from '../errors.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { bool, nonEmpty, object, type Schema } from './support/schema.js';

export interface FetchArgs {
  src: string;
  dest: string;
  flat?: boolean;
  fail_on_missing?: boolean;
  validate_checksum?: boolean;
}

export const fetchSchema: Schema = object(
  { src: nonEmpty, dest: nonEmpty, flat: bool, fail_on_missing: bool, validate_checksum: bool },
  ['src', 'dest'],
);

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/** The local path Ansible would write for this host. */
export function fetchDest(args: FetchArgs, hostname: string): { root: string; file: string } {
  const src = posix.normalize(args.src);
  if (args.flat === true) {
    const file = args.dest.endsWith('/') ? `${args.dest}${posix.basename(src)}` : args.dest;
    return { root: resolve(file, '..'), file: resolve(file) };
  }
  if (hostname.includes('/') || hostname === '..' || hostname === '.') throw new InputError(`fetch: host name ${JSON.stringify(hostname)} cannot be a directory name`);
  const rel = src.replace(/^\/+/, '');
  if (rel.split('/').includes('..')) throw new InputError(`fetch: src ${args.src} must not climb with ..`);
  const root = resolve(args.dest);
  return { root, file: resolve(root, hostname, rel) };
}

/** Refuse symlinks on the way from `root` (exclusive) to `file` (inclusive). */
async function checkNoLinks(root: string, file: string): Promise<void> {
  const rel = file.slice(root.length).split(sep).filter(Boolean);
  let cur = root;
  for (const part of rel) {
    cur = `${cur}${sep}${part}`;
    const st = await lstat(cur).catch(() => null);
    if (st === null) return;
    if (st.isSymbolicLink()) throw new TaskError(`fetch: ${cur} on the bastion is a symbolic link; refusing to follow it`);
  }
}

async function localSha1(file: string): Promise<string | null> {
  const st = await lstat(file).catch(() => null);
  if (st === null) return null;
  if (!st.isFile()) throw new TaskError(`fetch: ${file} on the bastion exists and is not a regular file`);
  return sha1(await readFile(file));
}

async function remoteSha1(host: Host, src: string): Promise<string | null> {
  const r = await host.exec(['sha1sum', '--', src], { env: { LC_ALL: 'C' } });
  if (r.code !== 0) {
    if ((await host.stat(src)) === null) return null;
    // Check mode: a file an earlier task would write exists only in the predicted state.
    const predicted = await host.read(src).catch(() => null);
    if (predicted !== null) return sha1(predicted);
    throw new TaskError(`fetch: cannot read ${src}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
  return r.stdout.split(/\s/)[0] ?? null;
}

export const fetchModule: Module<FetchArgs> = {
  name: 'fetch',
  args: fetchSchema,
  checkMode: 'full',
  async plan(host, args): Promise<Change[]> {
    const { root, file } = fetchDest(args, host.name);
    await checkNoLinks(root, file);
    const st = await host.stat(args.src);
    if (st?.type === 'directory') throw new TaskError(`fetch: remote file is a directory, fetch cannot work on directories: ${args.src}`);
    const remote = st === null ? null : await remoteSha1(host, args.src);
    if (remote === null) {
      if (args.fail_on_missing === false) return [];
      throw new TaskError(`fetch: the remote file does not exist, not transferring: ${args.src}`);
    }
    const local = await localSha1(file);
    if (local === remote) return [];
    return [
      {
        action: local === null ? 'create' : 'update',
        kind: 'other',
        target: `bastion:${file}`,
        summary: `fetch ${args.src} → ${file} (sha1 ${remote.slice(0, 12)})`,
        data: { dest: file, root, checksum: remote },
      },
    ];
  },
  async apply(host, changes, args): Promise<ApplyResult> {
    const { root, file } = fetchDest(args, host.name);
    for (const c of changes) {
      const data = await host.read(args.src);
      if (data === null) throw new TaskError(`fetch: ${args.src} disappeared`);
      const sum = sha1(data);
      if (args.validate_checksum !== false && sum !== c.data?.checksum) {
        throw new TaskError(`fetch: checksum mismatch for ${args.src}: planned ${String(c.data?.checksum)}, read ${sum} (the file changed on the host)`);
      }
      await mkdir(resolve(file, '..'), { recursive: true });
      await checkNoLinks(root, file);
      const tmp = `${file}.hostforge-${randomBytes(6).toString('hex')}`;
      try {
        await writeFile(tmp, data, { flag: 'wx', mode: 0o644 });
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw new TaskError(`fetch: cannot write ${file}: ${(err as Error).message}`, { cause: err });
      }
    }
    const sum = changes[0]?.data?.checksum ?? (await localSha1(file).catch(() => null));
    return { dest: file, file: args.src, checksum: typeof sum === 'string' ? sum : null, remote_checksum: typeof sum === 'string' ? sum : null };
  },
};

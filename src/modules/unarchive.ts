/**
 * unarchive (ansible.builtin.unarchive): unpack a tar (gz/bz2/xz/zst by name) or zip
 * archive into an existing directory on the host. `src` is a bastion file (looked up like
 * copy's src) unless `remote_src: true`, where it is a path on the host.
 *
 * Is it already unpacked? (read-only, as Ansible decides it)
 *   tar  `tar --diff -C dest -f ARCHIVE` (a bastion archive is streamed on stdin): no
 *        difference → no change
 *   zip  every member's bytes compared with the file under dest: `unzip -p | cmp` on the
 *        host (remote_src), or sha256 of the members on the bastion against `sha256sum`
 *        on the host (bastion src; the archive is uploaded only to unpack)
 * `creates` skips the task when that path exists. A remote archive that exists only in
 * check mode's predicted state (an earlier get_url) is planned as one unpack change.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';

import { promisify } from 'node:util';
import { InputError, TaskError } from '../errors.js';
import { shJoin, shQuote } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module, ModuleContext } from './types.js';
import { bool, nonEmpty, object, strList, type Schema } from './support/schema.js';

export interface UnarchiveArgs {
  src: string;
  dest: string;
  remote_src?: boolean;
  copy?: boolean;
  creates?: string;
  list_files?: boolean;
  exclude?: string[];
  extra_opts?: string[];
  keep_newer?: boolean;
}

export const unarchiveSchema: Schema = object(
  { src: nonEmpty, dest: nonEmpty, remote_src: bool, copy: bool, creates: nonEmpty, list_files: bool, exclude: strList, extra_opts: strList, keep_newer: bool },
  ['src', 'dest'],
);

type Format = { kind: 'tar'; flag: string[] } | { kind: 'zip' };

export function archiveFormat(name: string): Format {
  const n = name.toLowerCase();
  if (n.endsWith('.zip')) return { kind: 'zip' };
  if (/\.(tar\.gz|tgz)$/.test(n)) return { kind: 'tar', flag: ['-z'] };
  if (/\.(tar\.bz2|tbz2?)$/.test(n)) return { kind: 'tar', flag: ['-j'] };
  if (/\.(tar\.xz|txz)$/.test(n)) return { kind: 'tar', flag: ['-J'] };
  if (/\.(tar\.zst|tzst)$/.test(n)) return { kind: 'tar', flag: ['--zstd'] };
  if (n.endsWith('.tar')) return { kind: 'tar', flag: [] };
  throw new InputError(`unarchive: cannot tell the archive format of ${name} (expected .tar[.gz|.bz2|.xz|.zst], .tgz or .zip)`);
}

const remote = (a: UnarchiveArgs): boolean => a.remote_src === true || a.copy === false;
const excludes = (a: UnarchiveArgs): string[] => (a.exclude ?? []).map((e) => `--exclude=${e}`);
const run = promisify(execFile);

/** sha256 of each regular member of a bastion zip, by name. */
async function localZipDigests(path: string): Promise<Map<string, string>> {
  const names = (await run('unzip', ['-Z1', path], { maxBuffer: 1 << 26 })).stdout.split('\n').filter((n) => n !== '' && !n.endsWith('/'));
  const out = new Map<string, string>();
  for (const n of names) {
    const body = await run('unzip', ['-p', path, n.replace(/([[\]*?\\])/g, '\\$1')], { encoding: 'buffer', maxBuffer: 1 << 30 });
    out.set(n, createHash('sha256').update(body.stdout).digest('hex'));
  }
  return out;
}

async function zipDiffers(host: Host, a: UnarchiveArgs, local: string | null): Promise<boolean> {
  if (local === null) {
    const script = `${shJoin(['unzip', '-Z1', a.src])} | while IFS= read -r m; do case "$m" in */) continue;; esac; esc=$(printf '%s' "$m" | sed 's/[][*?\\\\]/\\\\&/g'); unzip -p ${shQuote(a.src)} "$esc" | cmp -s - ${shQuote(a.dest)}/"$m" || { echo differs; break; }; done`;
    const r = await host.exec({ script });
    if (r.stderr.trim() !== '' && /cannot find|End-of-central-directory/.test(r.stderr)) throw new TaskError(`unarchive: ${a.src} is not a zip archive: ${r.stderr.trim()}`);
    return r.stdout.includes('differs');
  }
  const want = await localZipDigests(local);
  if (want.size === 0) return false;
  const r = await host.exec({ script: `cd ${shQuote(a.dest)} && for f in ${[...want.keys()].map(shQuote).join(' ')}; do sha256sum -- "$f" 2>/dev/null || echo "missing  $f"; done` });
  const have = new Map(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(l.indexOf('  ') + 2), l.split(' ')[0] ?? ''] as const));
  return [...want].some(([n, d]) => have.get(n) !== d);
}

async function planUnarchive(host: Host, a: UnarchiveArgs, ctx: ModuleContext): Promise<Change[]> {
  const fmt = archiveFormat(a.src);
  if (a.creates !== undefined && (await host.stat(a.creates)) !== null) return [];
  const dst = await host.stat(a.dest);
  if (dst === null || dst.type !== 'directory') throw new TaskError(`Destination '${a.dest}' is not a directory`);
  const local = remote(a) ? null : await ctx.readLocal(a.src);
  const change = (why: string): Change[] => [
    { action: 'update', kind: 'other', target: a.dest, summary: `unpack ${a.src} into ${a.dest} (${why})`, data: { ...(local ? { local: local.path } : {}) } },
  ];
  if (local === null) {
    const st = await host.stat(a.src);
    if (st === null) throw new TaskError(`Source '${a.src}' does not exist`);
    if ((await host.exec(['test', '-f', a.src])).code !== 0) return change('the archive is not on the host yet');
  }
  if (fmt.kind === 'zip') return (await zipDiffers(host, a, local?.path ?? null)) ? change('files differ') : [];
  const argv = ['tar', '--diff', '-C', a.dest, ...fmt.flag, ...excludes(a), '-f', local ? '-' : a.src];
  const r = await host.exec(argv, { ...(local ? { stdin: local.data } : {}), env: { LC_ALL: 'C' } });
  if (r.code === 0) return [];
  if (r.code !== 1) throw new TaskError(`unarchive: cannot read ${a.src}: ${r.stderr.trim() || `exit ${r.code}`}`, { details: r.stderr });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /differs|differ$|No such file|Not found/.test(l));
  return change(lines.length > 0 ? `${lines.length} difference${lines.length === 1 ? '' : 's'}, e.g. ${lines[0]!.replace(/^tar: /, '')}` : 'contents differ');
}

async function listFiles(host: Host, a: UnarchiveArgs, fmt: Format, local: Buffer | null, tmp: string | null): Promise<string[]> {
  const src = tmp ?? a.src;
  const r =
    fmt.kind === 'zip'
      ? await host.exec(['unzip', '-Z1', src])
      : await host.exec(['tar', '-t', ...fmt.flag, '-f', local ? '-' : src], local ? { stdin: local } : {});
  return r.stdout.split('\n').filter(Boolean);
}

export const unarchiveModule: Module<UnarchiveArgs> = {
  name: 'unarchive',
  args: unarchiveSchema,
  checkMode: 'full',
  plan: planUnarchive,
  async apply(host, changes, a, ctx): Promise<ApplyResult> {
    const fmt = archiveFormat(a.src);
    const local = remote(a) ? null : (await ctx.readLocal(a.src)).data;
    let tmp: string | null = null;
    if (changes.length > 0) {
      let r;
      if (fmt.kind === 'tar') {
        const keep = a.keep_newer ? ['--keep-newer-files'] : [];
        r = await host.exec(['tar', '-x', '-C', a.dest, ...fmt.flag, ...keep, ...excludes(a), ...(a.extra_opts ?? []), '-f', local ? '-' : a.src], local ? { stdin: local } : {});
      } else {
        if (local) {
          tmp = `/tmp/.hostforge-unarchive-${randomBytes(8).toString('hex')}.zip`;
          await host.write(tmp, local, { mode: '0600' });
        }
        const x = (a.exclude ?? []).length > 0 ? ['-x', ...(a.exclude ?? [])] : [];
        r = await host.exec(['unzip', '-o', ...(a.extra_opts ?? []), tmp ?? a.src, ...x, '-d', a.dest]);
      }
      host.invalidate(a.dest);
      if (r.code !== 0) {
        if (tmp) await host.exec(['rm', '-f', '--', tmp]);
        throw new TaskError(`unarchive ${a.src} into ${a.dest} failed: ${r.stderr.trim() || `exit ${r.code}`}`, { details: r.stderr });
      }
    }
    const result: ApplyResult = { dest: a.dest, src: a.src, handler: fmt.kind === 'zip' ? 'ZipArchive' : 'TgzArchive' };
    if (a.list_files) result.files = await listFiles(host, a, fmt, local, tmp);
    if (tmp) await host.exec(['rm', '-f', '--', tmp]);
    return result;
  },
};


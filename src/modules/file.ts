/**
 * file: a path's type and attributes (pyinfra's `files.directory`/`files.file`/`files.link`,
 * Ansible's `file`). One stat decides; one change per thing that differs:
 *
 *   directory  missing → create (mkdir -p) with attrs; present → chmod / chown changes;
 *              recurse → one `find` (same round trip count) decides chmod -R / chown -R
 *   file       must exist (use touch or copy to create); attrs only
 *   touch      missing → create an empty file; present → attrs only (times are kept, so a
 *              second run is a no-op)
 *   link       symlink to `src`; a file/empty dir in the way is replaced only with force
 *   absent     rm -rf
 * Without `state`, an existing path keeps its type (attrs only) and a missing one is an
 * error, as with Ansible's default state=file.
 */
import { posix } from 'node:path';
import { InputError, TaskError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, FileStat, Host, Module } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import { createAttrs, planAttrChanges, wantedAttrs, type AttrArgs, type WantedAttrs } from './support/attrs.js';
import { followLinks } from './support/paths.js';
import { attrProps, bool, has, nonEmpty, object, oneOfValues, type Schema } from './support/schema.js';

export type FileState = 'file' | 'directory' | 'link' | 'absent' | 'touch';

export interface FileArgs extends AttrArgs {
  path?: string;
  dest?: string;
  state?: FileState;
  src?: string;
  recurse?: boolean;
  force?: boolean;
  follow?: boolean;
}

export const fileSchema: Schema = object(
  {
    path: nonEmpty,
    dest: nonEmpty,
    state: oneOfValues('file', 'directory', 'link', 'absent', 'touch'),
    src: nonEmpty,
    recurse: bool,
    force: bool,
    follow: bool,
    ...attrProps,
  },
  [],
  { oneOf: [has('path'), has('dest')] },
);

export function filePath(args: { path?: string; dest?: string }): string {
  const p = args.path ?? args.dest;
  if (p === undefined || p === '') throw new InputError('path is required');
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

async function planDirectory(host: Host, path: string, st: FileStat | null, w: WantedAttrs, args: FileArgs): Promise<Change[]> {
  if (st === null) {
    return [{ action: 'create', kind: 'directory', target: path, summary: `create directory ${path}`, attrs: createAttrs(w, true) }];
  }
  let real = path;
  let rst: FileStat | null = st;
  if (st.type === 'link' && args.follow !== false) ({ path: real, st: rst } = await followLinks(host, path));
  if (rst === null || rst.type !== 'directory') {
    throw new TaskError(`${path} exists and is ${rst === null ? 'a dangling link' : `a ${rst.type}`}, not a directory`);
  }
  const changes = await planAttrChanges(host, real, rst, w);
  if (args.recurse && (w.mode !== undefined || w.owner !== undefined || w.group !== undefined)) {
    return mergeRecursive(changes, await recursiveDiffers(host, real, w), real, w);
  }
  return changes;
}

/** One exec: does anything below `dir` have another mode / owner? */
async function recursiveDiffers(host: Host, dir: string, w: WantedAttrs): Promise<{ mode: boolean; owner: boolean }> {
  const parts: string[] = [];
  if (w.mode !== undefined) {
    if (!('octal' in w.mode)) throw new InputError('file: recurse needs an octal mode (symbolic modes are not supported with recurse)');
    const find = shJoin(['find', dir, '-mindepth', '1', '!', '-type', 'l', '!', '-perm', w.mode.octal, '-print']);
    parts.push(`m=$(${find} 2>/dev/null | head -n 1); printf 'mode=%s\\n' "$m"`);
  }
  if (w.owner !== undefined || w.group !== undefined) {
    const tests: string[] = [];
    if (w.owner !== undefined) tests.push('!', '-user', w.owner);
    if (w.owner !== undefined && w.group !== undefined) tests.push('-o');
    if (w.group !== undefined) tests.push('!', '-group', w.group);
    const find = shJoin(['find', dir, '-mindepth', '1', '(', ...tests, ')', '-print']);
    parts.push(`o=$(${find} 2>/dev/null | head -n 1); printf 'owner=%s\\n' "$o"`);
  }
  const r = await host.exec({ script: parts.join('; ') });
  const out = r.stdout;
  return { mode: /^mode=.+$/m.test(out), owner: /^owner=.+$/m.test(out) };
}

function mergeRecursive(top: Change[], below: { mode: boolean; owner: boolean }, path: string, w: WantedAttrs): Change[] {
  const out: Change[] = [];
  const isMode = (c: Change): boolean => c.data?.op === 'chmod';
  const modeTop = top.find(isMode);
  const ownTop = top.find((c) => !isMode(c));
  if (below.mode && w.mode !== undefined && 'octal' in w.mode) {
    out.push({
      action: 'update',
      kind: 'attributes',
      target: path,
      summary: `mode of ${path} and everything below: ${w.mode.octal}`,
      attrs: { mode: w.mode.octal },
      data: { op: 'chmod', recurse: true },
    });
  } else if (modeTop) out.push(modeTop);
  if (below.owner) {
    const attrs = createAttrs({ ...(w.owner !== undefined ? { owner: w.owner } : {}), ...(w.group !== undefined ? { group: w.group } : {}) }, true);
    out.push({
      action: 'update',
      kind: 'attributes',
      target: path,
      summary: `owner of ${path} and everything below: ${attrs.owner ?? ''}${attrs.group !== undefined ? `:${attrs.group}` : ''}`,
      attrs,
      data: { op: 'chown', recurse: true },
    });
  } else if (ownTop) out.push(ownTop);
  return out;
}

async function planExisting(host: Host, path: string, st: FileStat, w: WantedAttrs, follow: boolean): Promise<Change[]> {
  if (st.type === 'link' && follow) {
    const t = await followLinks(host, path);
    if (t.st === null) throw new TaskError(`${path} is a dangling symbolic link`);
    return planAttrChanges(host, t.path, t.st, w);
  }
  return planAttrChanges(host, path, st, w);
}

async function planLink(host: Host, path: string, st: FileStat | null, w: WantedAttrs, args: FileArgs): Promise<Change[]> {
  const src = args.src;
  if (src === undefined) throw new InputError('file: state=link needs src (the link target)');
  const linkW: WantedAttrs = { ...(w.owner !== undefined ? { owner: w.owner } : {}), ...(w.group !== undefined ? { group: w.group } : {}) };
  if (!args.force) {
    const abs = posix.resolve(posix.dirname(path), src);
    if ((await host.stat(abs)) === null) {
      throw new TaskError(`src file ${abs} does not exist, use force=true if you really want to create the link ${path}`);
    }
  }
  const data = { src };
  if (st === null) {
    return [{ action: 'create', kind: 'link', target: path, summary: `link ${path} → ${src}`, after: src, attrs: createAttrs(linkW, false), data }];
  }
  if (st.type === 'link') {
    if (st.linkTarget === src) return planAttrChanges(host, path, st, linkW);
    return [
      {
        action: 'update',
        kind: 'link',
        target: path,
        summary: `relink ${path}: ${st.linkTarget ?? '?'} → ${src}`,
        before: st.linkTarget ?? '',
        after: src,
        attrs: createAttrs(linkW, false),
        data,
      },
    ];
  }
  if (!args.force) throw new TaskError(`refusing to convert ${path} from ${st.type} to symlink (use force=true)`);
  if (st.type !== 'file' && st.type !== 'directory') throw new TaskError(`cannot replace ${path} (${st.type}) with a symlink`);
  return [
    {
      action: 'update',
      kind: 'link',
      target: path,
      summary: `replace ${st.type} ${path} with a link → ${src}`,
      after: src,
      attrs: createAttrs(linkW, false),
      data: { src, replace: st.type },
    },
  ];
}

export async function planFile(host: Host, args: FileArgs): Promise<Change[]> {
  const path = filePath(args);
  const w = wantedAttrs(args);
  const follow = args.follow !== false;
  const st = await host.stat(path);
  let state = args.state;
  if (state === undefined) {
    if (args.recurse) state = 'directory';
    else if (args.src !== undefined) state = 'link';
    else if (st === null) throw new TaskError(`file ${path} does not exist (state defaults to file; use touch, directory or copy to create it)`);
    else return planExisting(host, path, st, w, follow);
  }
  switch (state) {
    case 'absent':
      if (st === null) return [];
      if (path === '/') throw new InputError('file: refusing to remove /');
      return [{ action: 'delete', kind: 'absent', target: path, summary: `remove ${st.type} ${path}`, data: { was: st.type } }];
    case 'directory':
      return planDirectory(host, path, st, w, args);
    case 'link':
      return planLink(host, path, st, w, args);
    case 'touch':
      if (st === null) {
        return [{ action: 'create', kind: 'file', target: path, summary: `create empty file ${path}`, after: '', attrs: createAttrs(w, false), data: { size: 0 } }];
      }
      return planExisting(host, path, st, w, follow);
    case 'file':
      if (st === null) throw new TaskError(`file ${path} is absent, cannot continue (use state=touch to create it)`);
      if (st.type === 'directory') throw new TaskError(`${path} is a directory, not a file`);
      return planExisting(host, path, st, w, follow);
  }
}

export const fileModule: Module<FileArgs> = {
  name: 'file',
  args: fileSchema,
  checkMode: 'full',
  plan: (host, args) => planFile(host, args),
  async apply(host, changes, args): Promise<ApplyResult> {
    const r = await applyFileChanges(host, changes);
    return { path: filePath(args), state: args.state ?? null, ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}) };
  },
};

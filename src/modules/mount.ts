/**
 * mount (ansible.posix.mount): an fstab entry (through the fstab editor, edit/fstab.ts,
 * with Ansible's defaults opts=defaults dump=0 passno=0) and the live mount state:
 *   present            the entry only
 *   mounted            the entry, and mounted (mount point made if missing); an entry that
 *                      changed while mounted is remounted (`mount -o remount`, else umount + mount)
 *   unmounted          umount when mounted; the entry is kept
 *   absent             the entry removed, unmounted, the mount point directory removed (rmdir)
 *   absent_from_fstab  the entry removed only
 *   remounted          `mount -o remount` (always a change, as in Ansible)
 *   ephemeral          mounted with src/fstype/opts, fstab untouched; a mount with other
 *                      options is remounted
 * The live state comes from one `findmnt` of the mount point.
 */
import { posix } from 'node:path';
import { InputError, TaskError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { editFstab } from '../edit/fstab.js';
import { bool, has, nonEmpty, object, oneOfValues, type Schema } from './support/schema.js';
import { applySteps } from './support/steps.js';
import { planTextFile } from './support/text-file.js';

export type MountState = 'present' | 'mounted' | 'unmounted' | 'absent' | 'absent_from_fstab' | 'remounted' | 'ephemeral';

export interface MountArgs {
  path?: string;
  name?: string;
  src?: string;
  fstype?: string;
  opts?: string;
  dump?: string | number;
  passno?: string | number;
  state: MountState;
  fstab?: string;
  backup?: boolean;
  boot?: boolean;
}

const word: Schema = { type: 'string', minLength: 1, pattern: '^\\S+$' };
const num: Schema = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^[0-9]+$' }] };

export const mountSchema: Schema = object(
  {
    path: nonEmpty,
    name: nonEmpty,
    src: word,
    fstype: word,
    opts: word,
    dump: num,
    passno: num,
    state: oneOfValues('present', 'mounted', 'unmounted', 'absent', 'absent_from_fstab', 'remounted', 'ephemeral'),
    fstab: nonEmpty,
    backup: bool,
    boot: bool,
  },
  ['state'],
  {
    allOf: [
      { oneOf: [has('path'), has('name')] },
      { if: { properties: { state: { enum: ['present', 'mounted', 'ephemeral'] } } }, then: has('src', 'fstype') },
    ],
  },
);

export interface LiveMount {
  source: string;
  fstype: string;
  options: string;
}

export function mountPath(a: MountArgs): string {
  const p = a.path ?? a.name ?? '';
  if (!posix.isAbsolute(p)) throw new InputError(`mount: path must be absolute: ${p}`);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/** What is mounted on `path` (the top mount), or null. */
export async function liveMount(host: Host, path: string): Promise<LiveMount | null> {
  const r = await host.exec(['findmnt', '-n', '-P', '-o', 'SOURCE,FSTYPE,OPTIONS', '--mountpoint', path]);
  if (r.code !== 0 || r.stdout.trim() === '') return null;
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const field = (k: string): string => new RegExp(`${k}="([^"]*)"`).exec(last)?.[1] ?? '';
  return { source: field('SOURCE'), fstype: field('FSTYPE'), options: field('OPTIONS') };
}

function opts(a: MountArgs): string {
  const o = a.opts ?? 'defaults';
  return a.boot === false && !o.split(',').includes('noauto') ? `${o},noauto` : o;
}

async function planFstab(host: Host, a: MountArgs, path: string, absent: boolean): Promise<{ changes: Change[]; changed: boolean }> {
  let changed = false;
  const file = a.fstab ?? '/etc/fstab';
  const changes = await planTextFile(host, file, { create: !absent, missingOk: absent, ...(a.backup ? { backup: true } : {}) }, (text) => {
    const r = absent
      ? editFstab(text ?? '', { path, state: 'absent' })
      : editFstab(text ?? '', { path, src: a.src ?? '', fstype: a.fstype ?? '', opts: opts(a), dump: String(a.dump ?? 0), passno: String(a.passno ?? 0) });
    changed = r.changes.length > 0;
    return { text: r.text, changed, msg: r.changes.join('; ') };
  });
  return { changes, changed };
}

function step(action: Change['action'], path: string, summary: string, script: string): Change {
  return { action, kind: 'command', target: path, summary, data: { script } };
}

function mountCmd(a: MountArgs, path: string, ephemeral: boolean): string {
  const mkdir = shJoin(['mkdir', '-p', '--', path]);
  if (ephemeral) return `${mkdir} && ${shJoin(['mount', '-t', a.fstype ?? 'auto', '-o', opts(a), '--', a.src ?? '', path])}`;
  const fstab = a.fstab !== undefined && a.fstab !== '/etc/fstab' ? ['-T', a.fstab] : [];
  return `${mkdir} && ${shJoin(['mount', ...fstab, '--', path])}`;
}

function remountCmd(a: MountArgs, path: string, ephemeral: boolean): string {
  const o = ephemeral ? ['-o', `remount,${opts(a)}`] : ['-o', 'remount'];
  return `${shJoin(['mount', ...o, '--', path])} || { ${shJoin(['umount', '--', path])} && ${mountCmd(a, path, ephemeral)}; }`;
}

export async function planMount(host: Host, a: MountArgs): Promise<Change[]> {
  const path = mountPath(a);
  const live = await liveMount(host, path);
  const umount = (): Change => step('run', path, `unmount ${path}`, shJoin(['umount', '--', path]));
  switch (a.state) {
    case 'present':
      return (await planFstab(host, a, path, false)).changes;
    case 'absent_from_fstab':
      return (await planFstab(host, a, path, true)).changes;
    case 'unmounted':
      return live ? [umount()] : [];
    case 'remounted':
      if (!live) throw new TaskError(`mount: ${path} is not mounted, cannot remount`);
      return [step('run', path, `remount ${path}`, remountCmd(a, path, false))];
    case 'absent': {
      const out = [...(await planFstab(host, a, path, true)).changes];
      if (live) out.push(umount());
      const st = await host.stat(path);
      if (st?.type === 'directory') out.push(step('delete', path, `remove mount point ${path}`, `${shJoin(['rmdir', '--', path])} 2>/dev/null || true`));
      return out;
    }
    case 'mounted': {
      const f = await planFstab(host, a, path, false);
      const out = [...f.changes];
      if (!live) out.push(step('run', path, `mount ${path} (${a.fstype ?? ''} ${a.src ?? ''})`, mountCmd(a, path, false)));
      else if (f.changed) out.push(step('run', path, `remount ${path} with the new entry`, remountCmd(a, path, false)));
      return out;
    }
    case 'ephemeral': {
      if (!live) return [step('run', path, `mount ${path} (${a.fstype ?? ''} ${a.src ?? ''}, not in fstab)`, mountCmd(a, path, true))];
      const want = opts(a).split(',').filter((o) => o !== 'defaults');
      const have = new Set(live.options.split(','));
      if (want.every((o) => have.has(o))) return [];
      return [step('run', path, `remount ${path} with ${opts(a)}`, remountCmd(a, path, true))];
    }
  }
}

export const mountModule: Module<MountArgs> = {
  name: 'mount',
  args: mountSchema,
  checkMode: 'full',
  plan: planMount,
  async apply(host, changes, a): Promise<ApplyResult> {
    const r = await applySteps(host, changes);
    return {
      name: mountPath(a),
      state: a.state,
      ...(a.src !== undefined ? { src: a.src } : {}),
      ...(a.fstype !== undefined ? { fstype: a.fstype } : {}),
      opts: opts(a),
      ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}),
    };
  },
};

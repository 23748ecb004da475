/**
 * fstab: one entry of /etc/fstab by mount point (device, fstype, options, dump, pass),
 * options added/removed one at a time without duplicates, or a whole line
 * (`none /sys/fs/cgroup cgroup blkio,cpuacct,cpu,memory,devices 0 0`). See edit/fstab.ts.
 *
 * remount: true adds a 'run' change after an edit that touched the options (or added the
 * entry): `mount -o remount PATH` when PATH is mounted, else `mount PATH`.
 */
import { InputError, TaskError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Module } from './types.js';
import { editFstab, entryArgsFromLine, type FstabEntryArgs } from '../edit/fstab.js';
import { applyFileChanges } from './support/apply-files.js';
import { bool, exclusive, has, nonEmpty, object, oneOfValues, strOrList, type Schema } from './support/schema.js';
import { planTextFile } from './support/text-file.js';

/** The editor's entry arguments, plus the module's own (path optional when `line` is given). */
export interface FstabArgs extends Omit<FstabEntryArgs, 'path'> {
  /** Mount point. */
  path?: string;
  /** Ansible's name for src. */
  device?: string;
  /** A whole fstab line instead of the fields. */
  line?: string;
  remount?: boolean;
  /** Default /etc/fstab. */
  fstab?: string;
  backup?: boolean;
}

const numOrStr: Schema = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^[0-9]+$' }] };
const word: Schema = { type: 'string', pattern: '^\\S+$' };

export const fstabSchema: Schema = object(
  {
    path: nonEmpty,
    src: word,
    device: word,
    fstype: word,
    opts: word,
    options_present: strOrList,
    options_absent: strOrList,
    dump: numOrStr,
    passno: numOrStr,
    state: oneOfValues('present', 'absent'),
    line: nonEmpty,
    remount: bool,
    fstab: nonEmpty,
    backup: bool,
  },
  [],
  {
    allOf: [
      { oneOf: [has('path'), has('line')] },
      exclusive('src', 'device'),
      exclusive('opts', 'options_present'),
      exclusive('opts', 'options_absent'),
      { not: { anyOf: [has('line', 'src'), has('line', 'device'), has('line', 'fstype'), has('line', 'opts'), has('line', 'options_present'), has('line', 'options_absent')] } },
    ],
  },
);

export function entryArgs(args: FstabArgs): FstabEntryArgs {
  if (args.line !== undefined) return { ...entryArgsFromLine(args.line), ...(args.state ? { state: args.state } : {}) };
  if (args.path === undefined) throw new InputError('fstab: path (the mount point) or line is required');
  const e: FstabEntryArgs = { path: args.path };
  const src = args.src ?? args.device;
  if (src !== undefined) e.src = src;
  if (args.fstype !== undefined) e.fstype = args.fstype;
  if (args.opts !== undefined) e.opts = args.opts;
  if (args.options_present !== undefined) e.options_present = args.options_present;
  if (args.options_absent !== undefined) e.options_absent = args.options_absent;
  if (args.dump !== undefined) e.dump = args.dump;
  if (args.passno !== undefined) e.passno = args.passno;
  if (args.state !== undefined) e.state = args.state;
  return e;
}

export const fstabModule: Module<FstabArgs> = {
  name: 'fstab',
  args: fstabSchema,
  checkMode: 'full',
  // An fstab edit that was not remounted takes effect at the next boot.
  rebootNeeded: (changes, args) =>
    changes.some((c) => c.kind === 'file') && !changes.some((c) => c.kind === 'command') ? `fstab entry for ${entryArgs(args).path} in ${args.fstab ?? '/etc/fstab'}` : undefined,
  async plan(host, args): Promise<Change[]> {
    const entry = entryArgs(args);
    const absent = entry.state === 'absent';
    let remountNeeded = false;
    const changes = await planTextFile(
      host,
      args.fstab ?? '/etc/fstab',
      { create: !absent, missingOk: absent, ...(args.backup ? { backup: true } : {}) },
      (text) => {
        const r = editFstab(text ?? '', entry);
        remountNeeded = r.optionsChanged || r.added;
        return { text: r.text, changed: r.changes.length > 0, msg: r.changes.join('; ') };
      },
    );
    if (args.remount === true && remountNeeded && !absent) {
      changes.push({
        action: 'run',
        kind: 'command',
        target: entry.path,
        summary: `remount ${entry.path} with the new options`,
        data: { mountpoint: entry.path },
      });
    }
    return changes;
  },
  async apply(host, changes, args): Promise<ApplyResult> {
    const files = changes.filter((c) => c.kind !== 'command');
    const r = await applyFileChanges(host, files);
    for (const c of changes.filter((x) => x.kind === 'command')) {
      const mp = String(c.data?.mountpoint ?? c.target);
      const script = `if ${shJoin(['mountpoint', '-q', '--', mp])}; then ${shJoin(['mount', '-o', 'remount', mp])}; else ${shJoin(['mount', mp])}; fi`;
      const res = await host.exec({ script });
      if (res.code !== 0) throw new TaskError(`remount ${mp} failed: ${res.stderr.trim() || `exit ${res.code}`}`, { details: res.stderr });
    }
    const note = files.find((c) => c.kind === 'file')?.data?.note;
    return {
      path: entryArgs(args).path,
      msg: typeof note === 'string' ? note : '',
      ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}),
    };
  },
};

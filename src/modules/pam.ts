/**
 * pam: one rule line in /etc/pam.d/SERVICE placed after (or before) a given rule, never
 * duplicated (see edit/pam.ts). A missing anchor fails the task instead of guessing.
 * Every edit is guarded (default): a host-side timer restores the file unless a NEW login
 * (and sudo, when the task becomes) works afterwards; `lockout_guard: false` opts out.
 */
import { posix } from 'node:path';
import type { ApplyResult, Change, Module } from './types.js';
import { editPam, type PamArgs as EditArgs } from '../edit/pam.js';
import { applyFileChanges } from './support/apply-files.js';
import { guarded } from './support/guard.js';
import { bool, exclusive, has, nonEmpty, object, oneOfValues, strOrList, type Schema } from './support/schema.js';
import { planTextFile } from './support/text-file.js';

export interface PamArgs extends EditArgs {
  /** The file under /etc/pam.d (e.g. "sshd"). */
  service?: string;
  /** Or a full path. */
  path?: string;
  backup?: boolean;
  /**
   * Lockout guard (default true): before the edit the host arms a timer that restores the
   * file; after it a NEW SSH login (a real session through sshd, plus sudo when the task
   * becomes) must work, else the file is restored at once and the task fails.
   */
  lockout_guard?: boolean;
}

export const pamSchema: Schema = object(
  {
    service: { ...nonEmpty, pattern: '^[A-Za-z0-9_.@+-]+$' },
    path: nonEmpty,
    type: { ...nonEmpty, pattern: '^-?(account|auth|password|session)$' },
    control: nonEmpty,
    module: nonEmpty,
    args: strOrList,
    after: nonEmpty,
    before: nonEmpty,
    state: oneOfValues('present', 'absent'),
    match: oneOfValues('line', 'module'),
    backup: bool,
    lockout_guard: bool,
  },
  ['type', 'control', 'module'],
  { allOf: [{ oneOf: [has('service'), has('path')] }, exclusive('after', 'before')] },
);

export function pamPath(args: PamArgs): string {
  return args.path ?? posix.join('/etc/pam.d', args.service ?? '');
}

export const pamModule: Module<PamArgs> = {
  name: 'pam',
  args: pamSchema,
  checkMode: 'full',
  async plan(host, args): Promise<Change[]> {
    const path = pamPath(args);
    const absent = args.state === 'absent';
    return planTextFile(host, path, { create: false, missingOk: absent, ...(args.backup ? { backup: true } : {}) }, (text) => {
      const r = editPam(text ?? '', args, path);
      return { text: r.text, changed: r.changes.length > 0, msg: r.changes.join('; ') };
    });
  },
  async apply(host, changes, args, ctx): Promise<ApplyResult> {
    const file = changes.find((c) => c.kind === 'file');
    const edit = () => applyFileChanges(host, changes);
    const r =
      args.lockout_guard === false || !file
        ? await edit()
        : await guarded(host, ctx, { what: `editing ${file.target}`, files: [file.target], restored: 'the previous file was restored' }, edit);
    const note = changes.find((c) => c.kind === 'file')?.data?.note;
    return {
      path: pamPath(args),
      msg: typeof note === 'string' ? note : '',
      ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}),
    };
  },
};

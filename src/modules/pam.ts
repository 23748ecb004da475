/**
 * pam: one rule line in /etc/pam.d/SERVICE placed after (or before) a given rule, never
 * duplicated (see edit/pam.ts). A missing anchor fails the task instead of guessing.
 */
import { posix } from 'node:path';
import { TaskError, errorMessage } from '../errors.js';
import type { ApplyResult, Change, Module } from './types.js';
import { editPam, type PamArgs as EditArgs } from '../edit/pam.js';
import { applyFileChanges } from './support/apply-files.js';
import { bool, exclusive, has, nonEmpty, object, oneOfValues, strOrList, type Schema } from './support/schema.js';
import { planTextFile } from './support/text-file.js';

export interface PamArgs extends EditArgs {
  /** The file under /etc/pam.d (e.g. "sshd"). */
  service?: string;
  /** Or a full path. */
  path?: string;
  backup?: boolean;
  /**
   * After the edit, prove that a NEW SSH login still works (for the stack sshd uses);
   * when it does not, the previous file is restored and the task fails. Default false.
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
    const previous = args.lockout_guard && file ? await host.read(file.target) : null;
    const r = await applyFileChanges(host, changes);
    if (args.lockout_guard && file && previous !== null) {
      try {
        await ctx.probeLogin();
      } catch (err) {
        await host.write(file.target, previous);
        host.invalidate(file.target);
        throw new TaskError(`lockout guard: a new SSH login failed after editing ${file.target} (${errorMessage(err)}); the previous file was restored`);
      }
    }
    const note = changes.find((c) => c.kind === 'file')?.data?.note;
    return {
      path: pamPath(args),
      msg: typeof note === 'string' ? note : '',
      ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}),
    };
  },
};

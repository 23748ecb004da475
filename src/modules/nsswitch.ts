/**
 * nsswitch: the source list of one database in /etc/nsswitch.conf (`passwd: compat unbit`):
 * an exact list, or sources added/removed one by one (see edit/nsswitch.ts).
 * Guarded like pam (default): a NEW login must still work afterwards, else the file is
 * restored (at once, or by the host's timer when the run is gone); `lockout_guard: false` opts out.
 */
import type { ApplyResult, Change, Module } from './types.js';
import { editNsswitch, type NsswitchArgs as EditArgs } from '../edit/nsswitch.js';
import { applyFileChanges } from './support/apply-files.js';
import { guarded } from './support/guard.js';
import { bool, exclusive, has, nonEmpty, object, strList, type Schema } from './support/schema.js';
import { planTextFile } from './support/text-file.js';

export interface NsswitchArgs extends EditArgs {
  /** Default /etc/nsswitch.conf. */
  path?: string;
  /** Prove a new login after the edit, else restore the file (default true). */
  lockout_guard?: boolean;
}

export const nsswitchSchema: Schema = object(
  {
    database: { ...nonEmpty, pattern: '^[A-Za-z0-9_-]+$' },
    sources: { ...strList, minItems: 1 },
    sources_present: strList,
    sources_absent: strList,
    path: nonEmpty,
    lockout_guard: bool,
  },
  ['database'],
  {
    allOf: [
      { anyOf: [has('sources'), has('sources_present'), has('sources_absent')] },
      exclusive('sources', 'sources_present'),
      exclusive('sources', 'sources_absent'),
    ],
  },
);

export const nsswitchModule: Module<NsswitchArgs> = {
  name: 'nsswitch',
  args: nsswitchSchema,
  checkMode: 'full',
  async plan(host, args): Promise<Change[]> {
    return planTextFile(host, args.path ?? '/etc/nsswitch.conf', { create: true }, (text) => {
      const r = editNsswitch(text ?? '', args);
      return { text: r.text, changed: r.changes.length > 0, msg: r.changes.join('; ') };
    });
  },
  async apply(host, changes, args, ctx): Promise<ApplyResult> {
    const file = changes.find((c) => c.kind === 'file');
    const edit = () => applyFileChanges(host, changes);
    if (args.lockout_guard === false || !file) await edit();
    else await guarded(host, ctx, { what: `editing ${file.target}`, files: [file.target], restored: 'the previous file was restored' }, edit);
    const note = changes.find((c) => c.kind === 'file')?.data?.note;
    return { database: args.database, msg: typeof note === 'string' ? note : '' };
  },
};

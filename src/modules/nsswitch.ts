/**
 * nsswitch: the source list of one database in /etc/nsswitch.conf (`passwd: compat unbit`):
 * an exact list, or sources added/removed one by one (see edit/nsswitch.ts).
 */
import type { ApplyResult, Change, Module } from './types.js';
import { editNsswitch, type NsswitchArgs as EditArgs } from '../edit/nsswitch.js';
import { applyFileChanges } from './support/apply-files.js';
import { exclusive, has, nonEmpty, object, strList, type Schema } from './support/schema.js';
import { planTextFile } from './support/text-file.js';

export interface NsswitchArgs extends EditArgs {
  /** Default /etc/nsswitch.conf. */
  path?: string;
}

export const nsswitchSchema: Schema = object(
  {
    database: { ...nonEmpty, pattern: '^[A-Za-z0-9_-]+$' },
    sources: { ...strList, minItems: 1 },
    sources_present: strList,
    sources_absent: strList,
    path: nonEmpty,
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
  async apply(host, changes, args): Promise<ApplyResult> {
    await applyFileChanges(host, changes);
    const note = changes.find((c) => c.kind === 'file')?.data?.note;
    return { database: args.database, msg: typeof note === 'string' ? note : '' };
  },
};

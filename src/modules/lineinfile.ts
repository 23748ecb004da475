/**
 * lineinfile: make sure one line is in a file (or is not), with Ansible's exact
 * semantics (see text/lineinfile.ts). Symlinks are followed to the real file.
 */
import { InputError } from '../errors.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import type { AttrArgs } from './support/attrs.js';
import { checkValidate } from './support/put.js';
import { attrProps, bool, exclusive, has, nonEmpty, object, oneOfValues, str, when, type Schema } from './support/schema.js';
import { planTextFile, type TextEditResult, type TextFileOptions } from './support/text-file.js';
import { lineInFile, type LineInFileSpec } from './text/lineinfile.js';

export interface LineinfileArgs extends AttrArgs, LineInFileSpec {
  path?: string;
  dest?: string;
  create?: boolean;
  backup?: boolean;
  validate?: string;
}

export const lineinfileSchema: Schema = object(
  {
    path: nonEmpty,
    dest: nonEmpty,
    state: oneOfValues('present', 'absent'),
    line: str,
    regexp: str,
    search_string: str,
    insertafter: nonEmpty,
    insertbefore: nonEmpty,
    backrefs: bool,
    firstmatch: bool,
    create: bool,
    backup: bool,
    validate: nonEmpty,
    ...attrProps,
  },
  [],
  {
    allOf: [
      { oneOf: [has('path'), has('dest')] },
      exclusive('insertafter', 'insertbefore'),
      exclusive('regexp', 'search_string'),
      exclusive('backrefs', 'search_string'),
      when('backrefs', true, has('regexp')),
      {
        if: { properties: { state: { const: 'absent' } }, required: ['state'] },
        then: { anyOf: [has('line'), has('regexp'), has('search_string')] },
        else: has('line'),
      },
    ],
  },
);

export function linePath(args: { path?: string; dest?: string }): string {
  const p = args.path ?? args.dest;
  if (p === undefined) throw new InputError('path is required');
  return p;
}

/** What lineinfile and blockinfile share: plan an edit of one text file (absent = a missing file is fine). */
export function planFileEdit(
  host: Host,
  args: TextFileOptions & { path?: string; dest?: string; state?: string },
  edit: (text: string | null) => TextEditResult,
): Promise<Change[]> {
  checkValidate(args.validate);
  const absent = args.state === 'absent';
  return planTextFile(host, linePath(args), { ...args, missingOk: absent, create: args.create === true && !absent }, edit);
}

export const lineinfileModule: Module<LineinfileArgs> = {
  name: 'lineinfile',
  args: lineinfileSchema,
  checkMode: 'full',
  plan: (host, args) => planFileEdit(host, args, (text) => lineInFile(text, args)),
  async apply(host, changes, args): Promise<ApplyResult> {
    const r = await applyFileChanges(host, changes);
    const note = changes.find((c) => c.kind === 'file')?.data?.note;
    const msg = typeof note === 'string' ? note : changes.length > 0 ? 'attributes changed' : '';
    return { path: linePath(args), msg, ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}) };
  },
};

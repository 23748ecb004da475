/**
 * blockinfile: a block of lines between marker lines, inserted, replaced or removed
 * with Ansible's semantics (see text/blockinfile.ts). Default marker:
 * "# {mark} HOSTFORGE MANAGED BLOCK".
 */
import type { ApplyResult, Module } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import type { AttrArgs } from './support/attrs.js';
import { attrProps, bool, exclusive, has, nonEmpty, object, oneOfValues, str, type Schema } from './support/schema.js';
import { blockInFile, type BlockInFileSpec } from './text/blockinfile.js';
import { linePath, planFileEdit } from './lineinfile.js';

export interface BlockinfileArgs extends AttrArgs, BlockInFileSpec {
  path?: string;
  dest?: string;
  create?: boolean;
  backup?: boolean;
  validate?: string;
}

export const blockinfileSchema: Schema = object(
  {
    path: nonEmpty,
    dest: nonEmpty,
    state: oneOfValues('present', 'absent'),
    block: str,
    marker: { type: 'string', pattern: '\\{mark\\}' },
    marker_begin: nonEmpty,
    marker_end: nonEmpty,
    insertafter: nonEmpty,
    insertbefore: nonEmpty,
    prepend_newline: bool,
    append_newline: bool,
    create: bool,
    backup: bool,
    validate: nonEmpty,
    ...attrProps,
  },
  [],
  { allOf: [{ oneOf: [has('path'), has('dest')] }, exclusive('insertafter', 'insertbefore')] },
);

export const blockinfileModule: Module<BlockinfileArgs> = {
  name: 'blockinfile',
  args: blockinfileSchema,
  checkMode: 'full',
  plan: (host, args) => planFileEdit(host, args, (text) => blockInFile(text, args)),
  async apply(host, changes, args): Promise<ApplyResult> {
    const r = await applyFileChanges(host, changes);
    return { path: linePath(args), ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}) };
  },
};

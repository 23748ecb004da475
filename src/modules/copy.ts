/**
 * copy: put a file from the bastion (`src`, looked up in the task's search paths) or
 * inline `content` at `dest`. Bytes are compared exactly; the change carries the diff
 * for text and the bytes themselves; the write is atomic (temp file, attrs, validate,
 * rename) with an optional backup.
 */
import { InputError } from '../errors.js';
import type { ApplyResult, Change, Module } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import { checkValidate, planPut, type PutArgs } from './support/put.js';
import { attrProps, bool, exclusive, has, nonEmpty, object, str, type Schema } from './support/schema.js';

export interface CopyArgs extends PutArgs {
  src?: string;
  content?: string;
}

export const copySchema: Schema = object(
  { src: nonEmpty, content: str, dest: nonEmpty, backup: bool, validate: nonEmpty, force: bool, ...attrProps },
  ['dest'],
  { allOf: [{ anyOf: [has('src'), has('content')] }, exclusive('src', 'content')] },
);

export const copyModule: Module<CopyArgs> = {
  name: 'copy',
  args: copySchema,
  checkMode: 'full',
  async plan(host, args, ctx): Promise<Change[]> {
    checkValidate(args.validate);
    if (args.content !== undefined) return planPut(host, args, Buffer.from(args.content, 'utf8'), undefined);
    if (args.src === undefined) throw new InputError('copy: one of src or content is required');
    if (args.src.endsWith('/')) throw new InputError('copy: copying a directory (src ending in /) is not supported');
    const local = await ctx.readLocal(args.src);
    return planPut(host, args, local.data, args.src);
  },
  async apply(host, changes): Promise<ApplyResult> {
    const r = await applyFileChanges(host, changes);
    const dest = changes.find((c) => c.kind === 'file')?.target ?? changes[0]?.target ?? null;
    return { dest, ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}) };
  },
};

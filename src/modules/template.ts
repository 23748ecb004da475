/**
 * template: render a Handlebars template from the bastion (looked up in the task's
 * search paths, i.e. a role's templates/) with the task's variables, then behave
 * exactly like copy with that content.
 */
import type { ApplyResult, Change, Module } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import { checkValidate, planPut, type PutArgs } from './support/put.js';
import { attrProps, bool, nonEmpty, object, type Schema } from './support/schema.js';

export interface TemplateArgs extends PutArgs {
  src: string;
}

export const templateSchema: Schema = object(
  { src: nonEmpty, dest: nonEmpty, backup: bool, validate: nonEmpty, force: bool, ...attrProps },
  ['src', 'dest'],
);

export const templateModule: Module<TemplateArgs> = {
  name: 'template',
  args: templateSchema,
  checkMode: 'full',
  async plan(host, args, ctx): Promise<Change[]> {
    checkValidate(args.validate);
    const local = await ctx.readLocal(args.src);
    const text = ctx.render(local.data.toString('utf8'));
    return planPut(host, args, Buffer.from(text, 'utf8'), args.src);
  },
  async apply(host, changes): Promise<ApplyResult> {
    const r = await applyFileChanges(host, changes);
    const dest = changes.find((c) => c.kind === 'file')?.target ?? changes[0]?.target ?? null;
    return { dest, ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}) };
  },
};

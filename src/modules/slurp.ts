/**
 * slurp (ansible.builtin.slurp): a file on the host, base64-encoded (Ansible's return
 * values: content, encoding, source). Read-only; symlinks are followed as open(2) does.
 */
import { TaskError } from '../errors.js';
import type { ApplyResult, Module } from './types.js';
import { has, nonEmpty, object, type Schema } from './support/schema.js';

export interface SlurpArgs {
  src?: string;
  path?: string;
}

export const slurpSchema: Schema = object({ src: nonEmpty, path: nonEmpty }, [], { oneOf: [has('src'), has('path')] });

export const slurpModule: Module<SlurpArgs> = {
  name: 'slurp',
  args: slurpSchema,
  checkMode: 'full',
  readOnly: true,
  plan: async () => [],
  async apply(host, _changes, args): Promise<ApplyResult> {
    const src = (args.src ?? args.path) as string;
    const st = await host.stat(src);
    if (st === null) throw new TaskError(`file not found: ${src}`);
    if (st.type === 'directory') throw new TaskError(`source is a directory and must be a file: ${src}`);
    const data = await host.read(src);
    if (data === null) throw new TaskError(`file not found: ${src}`);
    return { content: data.toString('base64'), encoding: 'base64', source: src };
  },
};

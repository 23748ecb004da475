/**
 * raw (ansible.builtin.raw): a command line given to the host's shell as it is (or to
 * `executable -c`). Its effect cannot be known: always a change, skipped in check mode.
 */
import { InputError } from '../errors.js';
import type { ApplyResult, Change, Module } from './types.js';
import { runResult, scriptCommand } from './support/run.js';
import { nonEmpty, object, type Schema } from './support/schema.js';

export interface RawArgs {
  free_form: string;
  executable?: string;
}

export const rawSchema: Schema = object({ free_form: nonEmpty, executable: nonEmpty }, ['free_form']);

function command(args: RawArgs): ReturnType<typeof scriptCommand> {
  if (args.free_form.trim() === '') throw new InputError('raw: no command given');
  return scriptCommand(args.free_form, args.executable);
}

export const rawModule: Module<RawArgs> = {
  name: 'raw',
  args: rawSchema,
  freeForm: 'free_form',
  checkMode: 'skip-run',
  async plan(_host, args): Promise<Change[]> {
    command(args);
    return [{ action: 'run', kind: 'command', target: args.free_form, summary: `run (raw): ${args.free_form}`, data: { decided: false } }];
  },
  async apply(host, _changes, args): Promise<ApplyResult> {
    const started = Date.now();
    const r = await host.exec(command(args));
    const res = runResult(r, args.free_form, started);
    return { rc: res.rc, stdout: res.stdout, stderr: res.stderr, stdout_lines: res.stdout_lines ?? [], stderr_lines: res.stderr_lines ?? [] };
  },
};

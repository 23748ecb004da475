/**
 * script (ansible.builtin.script): a file from the bastion (looked up like copy's src:
 * the role's or playbook's files/) uploaded to a private temporary file on the host, run
 * with its arguments (through `executable` when given, else by its #! line), and removed.
 * `creates` / `removes` decide by stat on the host whether it runs; otherwise check mode
 * reports it as skipped, as Ansible does.
 */
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Module } from './types.js';
import { runChange, runResult, skipReason } from './support/run.js';
import { has, nonEmpty, object, type Schema } from './support/schema.js';
import { splitWords } from './text/shellwords.js';

export interface ScriptArgs {
  free_form?: string;
  cmd?: string;
  chdir?: string;
  creates?: string;
  removes?: string;
  executable?: string;
}

export const scriptSchema: Schema = object(
  { free_form: nonEmpty, cmd: nonEmpty, chdir: nonEmpty, creates: nonEmpty, removes: nonEmpty, executable: nonEmpty },
  [],
  { oneOf: [has('free_form'), has('cmd')] },
);

export function scriptWords(args: ScriptArgs): { file: string; argv: string[] } {
  const words = splitWords(args.cmd ?? args.free_form ?? '');
  const [file, ...argv] = words;
  if (file === undefined || file === '') throw new InputError('script: no script given');
  return { file, argv };
}

export const scriptModule: Module<ScriptArgs> = {
  name: 'script',
  args: scriptSchema,
  freeForm: 'free_form',
  checkMode: 'skip-run',
  async plan(host, args, ctx): Promise<Change[]> {
    const { file, argv } = scriptWords(args);
    const local = await ctx.readLocal(file); // a missing script is an error before anything runs
    if (await skipReason(host, args)) return [];
    return [runChange(shJoin([file, ...argv]), args, { script: local.path, argv })];
  },
  async apply(host, changes, args, ctx): Promise<ApplyResult> {
    const { file, argv } = scriptWords(args);
    if (changes.length === 0) return { rc: 0, msg: 'skipped', changed: false };
    const local = await ctx.readLocal(file);
    const tmp = `/tmp/.hostforge-script-${randomBytes(8).toString('hex')}`;
    await host.write(tmp, local.data, { mode: '0700' });
    const started = Date.now();
    try {
      const run = args.executable !== undefined ? [args.executable, tmp, ...argv] : [tmp, ...argv];
      const r = await host.exec(run, args.chdir !== undefined ? { cwd: args.chdir } : {});
      return runResult(r, shJoin([file, ...argv]), started);
    } finally {
      await host.exec(['rm', '-f', '--', tmp]);
    }
  },
};

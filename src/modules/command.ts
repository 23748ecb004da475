/**
 * command: run a program with arguments, without a shell. The free form is split into
 * argv with shell-like quoting but NO expansion (no $VAR, globs, pipes or redirections;
 * use `shell` for those). `creates`/`removes` decide by stat whether it runs; otherwise
 * its effect cannot be known, so check mode reports it as skipped.
 */
import { InputError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Module } from './types.js';
import { runChange, runResult, skipReason, stdinFor } from './support/run.js';
import { bool, has, nonEmpty, object, str, strList, type Schema } from './support/schema.js';
import { splitWords } from './text/shellwords.js';

export interface CommandArgs {
  cmd?: string;
  argv?: string[];
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline?: boolean;
}

export const commandSchema: Schema = object(
  {
    cmd: nonEmpty,
    argv: { ...strList, minItems: 1 },
    chdir: nonEmpty,
    creates: nonEmpty,
    removes: nonEmpty,
    stdin: str,
    stdin_add_newline: bool,
  },
  [],
  { oneOf: [has('cmd'), has('argv')] },
);

export function commandArgv(args: CommandArgs): string[] {
  const argv = args.argv ?? splitWords(args.cmd ?? '');
  if (argv.length === 0 || argv[0] === '') throw new InputError('command: no command given');
  return argv;
}

export const commandModule: Module<CommandArgs> = {
  name: 'command',
  args: commandSchema,
  freeForm: 'cmd',
  checkMode: 'skip-run',
  async plan(host, args): Promise<Change[]> {
    const argv = commandArgv(args);
    if (await skipReason(host, args)) return [];
    return [runChange(shJoin(argv), args, { argv })];
  },
  async apply(host, changes, args): Promise<ApplyResult> {
    const argv = commandArgv(args);
    if (changes.length === 0) return { rc: 0, msg: 'skipped', cmd: argv, changed: false };
    const started = Date.now();
    const stdin = stdinFor(args.stdin, args.stdin_add_newline);
    const r = await host.exec(argv, {
      ...(args.chdir !== undefined ? { cwd: args.chdir } : {}),
      ...(stdin !== undefined ? { stdin } : {}),
    });
    return runResult(r, argv, started);
  },
};

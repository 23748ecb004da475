/**
 * shell: run a script through /bin/sh (or `executable`, e.g. /bin/bash), with pipes,
 * redirections and expansion. Same creates/removes and check-mode rules as command.
 */
import type { ApplyResult, Change, Module } from './types.js';
import { runChange, runResult, scriptCommand, skipReason, stdinFor } from './support/run.js';
import { bool, nonEmpty, object, str, type Schema } from './support/schema.js';

export interface ShellArgs {
  cmd: string;
  chdir?: string;
  creates?: string;
  removes?: string;
  executable?: string;
  stdin?: string;
  stdin_add_newline?: boolean;
}

export const shellSchema: Schema = object(
  {
    cmd: nonEmpty,
    chdir: nonEmpty,
    creates: nonEmpty,
    removes: nonEmpty,
    executable: nonEmpty,
    stdin: str,
    stdin_add_newline: bool,
  },
  ['cmd'],
);

export const shellModule: Module<ShellArgs> = {
  name: 'shell',
  args: shellSchema,
  freeForm: 'cmd',
  checkMode: 'skip-run',
  async plan(host, args): Promise<Change[]> {
    if (await skipReason(host, args)) return [];
    return [runChange(args.cmd, args, { script: args.cmd })];
  },
  async apply(host, changes, args): Promise<ApplyResult> {
    if (changes.length === 0) return { rc: 0, msg: 'skipped', cmd: args.cmd, changed: false };
    const started = Date.now();
    const stdin = stdinFor(args.stdin, args.stdin_add_newline);
    const r = await host.exec(scriptCommand(args.cmd, args.executable), {
      ...(args.chdir !== undefined ? { cwd: args.chdir } : {}),
      ...(stdin !== undefined ? { stdin } : {}),
    });
    return runResult(r, args.cmd, started);
  },
};

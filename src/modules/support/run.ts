/**
 * What command and shell share: `creates` / `removes` decided by stat (relative paths
 * are relative to `chdir`, a glob in the last component is matched with find), the
 * 'run' change, and the Ansible-shaped result of a run.
 */
import { posix } from 'node:path';
import type { Change, ExecResult, Host, Json, ApplyResult } from '../types.js';
import { shJoin, type Command } from '../../util/quote.js';
import { InputError } from '../../errors.js';
import { CommandFailed } from './command-error.js';
import { resolveFrom } from './paths.js';

export interface RunGuards {
  chdir?: string;
  creates?: string;
  removes?: string;
}

const GLOB = /[*?[]/;

async function exists(host: Host, pattern: string): Promise<boolean> {
  if (!GLOB.test(pattern)) return (await host.stat(pattern)) !== null;
  const dir = posix.dirname(pattern);
  const base = posix.basename(pattern);
  if (GLOB.test(dir)) throw new InputError(`creates/removes: a glob is supported in the last path component only: ${pattern}`);
  const r = await host.exec({ script: `${shJoin(['find', dir, '-mindepth', '1', '-maxdepth', '1', '-name', base])} 2>/dev/null | head -n 1` });
  return r.stdout.trim() !== '';
}

/** Why the command need not run (creates/removes), or null when it must. */
export async function skipReason(host: Host, g: RunGuards): Promise<string | null> {
  if (g.creates !== undefined) {
    const p = resolveFrom(g.chdir, g.creates);
    if (await exists(host, p)) return `skipped, since ${p} exists`;
  }
  if (g.removes !== undefined) {
    const p = resolveFrom(g.chdir, g.removes);
    if (!(await exists(host, p))) return `skipped, since ${p} does not exist`;
  }
  return null;
}

/** The 'run' change; data.decided marks that creates/removes decided it (check mode reports it as a change). */
export function runChange(display: string, g: RunGuards, data: { [k: string]: Json }): Change {
  const decided = g.creates !== undefined || g.removes !== undefined;
  return {
    action: 'run',
    kind: 'command',
    target: display,
    summary: `run: ${display}${g.chdir !== undefined ? ` (in ${g.chdir})` : ''}`,
    data: { ...data, ...(g.chdir !== undefined ? { chdir: g.chdir } : {}), decided },
  };
}

function stripEnd(s: string): string {
  return s.replace(/(\r?\n)+$/, '');
}

function lines(s: string): string[] {
  return s === '' ? [] : s.split(/\r?\n/);
}

/** Ansible-shaped result; a non-zero exit throws CommandFailed (carrying the result). */
export function runResult(r: ExecResult, cmd: Json, started: number): ApplyResult {
  const stdout = stripEnd(r.stdout);
  const stderr = stripEnd(r.stderr);
  const result: ApplyResult = {
    rc: r.code,
    stdout,
    stderr,
    stdout_lines: lines(stdout),
    stderr_lines: lines(stderr),
    cmd,
    delta_ms: Date.now() - started,
  };
  if (r.code !== 0) {
    const first = stderr.split('\n').slice(-5).join('\n');
    result.msg = `non-zero return code ${r.code}`;
    throw new CommandFailed(`command failed with exit code ${r.code}${first ? `: ${first}` : ''}`, result);
  }
  return result;
}

export function stdinFor(stdin: string | undefined, addNewline: boolean | undefined): string | undefined {
  if (stdin === undefined) return undefined;
  return addNewline === false ? stdin : `${stdin}\n`;
}

/** A script for the host's shell, or for `executable -c` when one is named (shell, raw). */
export function scriptCommand(script: string, executable: string | undefined): Command {
  return executable !== undefined ? [executable, '-c', script] : { script };
}

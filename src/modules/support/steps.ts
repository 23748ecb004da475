/**
 * Apply a plan that mixes file changes with commands: a change whose `data.argv` (an argv)
 * or `data.script` (a script composed from quoted parts) is set runs that command; any
 * other change goes to the shared file apply. Order is kept; the first failure stops.
 */
import { TaskError } from '../../errors.js';
import type { Command } from '../../util/quote.js';
import type { Change, ExecResult, Host, Json } from '../types.js';
import { applyFileChanges, type FileApplyResult } from './apply-files.js';

/** The command a change carries, or null when it is a file change. */
export function stepCommand(c: Change): Command | null {
  const argv = c.data?.argv;
  if (Array.isArray(argv)) {
    if (!argv.every((a): a is string => typeof a === 'string')) throw new TaskError(`malformed change for ${c.target}`);
    return argv;
  }
  const script = c.data?.script;
  return typeof script === 'string' ? { script } : null;
}

/** A change that runs one argv. */
export function commandChange(action: Change['action'], target: string, summary: string, argv: string[], extra: { [k: string]: Json } = {}): Change {
  return { action, kind: 'other', target, summary, data: { ...extra, argv } };
}

export interface StepsResult extends FileApplyResult {
  outputs: ExecResult[];
}

export async function applySteps(host: Host, changes: readonly Change[], opts: { stdin?: string } = {}): Promise<StepsResult> {
  const result: StepsResult = { outputs: [] };
  let files: Change[] = [];
  const flush = async (): Promise<void> => {
    if (files.length === 0) return;
    const r = await applyFileChanges(host, files);
    if (r.backup_file !== undefined) result.backup_file = r.backup_file;
    files = [];
  };
  for (const c of changes) {
    const cmd = stepCommand(c);
    if (cmd === null) {
      files.push(c);
      continue;
    }
    await flush();
    const r = await host.exec(cmd, opts.stdin !== undefined ? { stdin: opts.stdin } : {});
    host.invalidate(c.target);
    if (r.code !== 0) throw new TaskError(`${c.summary}: ${r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`}`, { details: r.stderr });
    result.outputs.push(r);
  }
  await flush();
  return result;
}

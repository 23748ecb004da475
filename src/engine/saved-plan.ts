/**
 * The per-task guard of `apply --plan-file` / `apply plan.json`: just before a task applies,
 * its fresh plan must still be the saved one. Two sources: the JSON lines of
 * `apply --check --json` (action, kind and target per change), or a saved plan.json (plus a
 * keyed digest of each change's content and attributes, and hosts refused up front because a
 * check run against the plan found drift). A change that became a no-op is fine (Terraform's
 * rule); any other difference fails the task before it changes anything.
 */
import { InputError } from '../errors.js';
import type { Change } from '../modules/types.js';
import { changeSignature, contentDigest } from '../plan/digest.js';
import { readPlanText } from '../plan/file.js';

export { changeSignature };

export interface SavedChange {
  signature: string;
  /** Keyed digest of content and attributes (plan.json only). */
  content?: string;
}

export interface SavedPlan {
  changes: Map<string, SavedChange[]>;
  /** The plan's digest key (plan.json only). */
  salt?: string;
  /** Hosts refused before the run, with why: their first task fails, nothing is changed. */
  refused?: Map<string, string>;
}

export function planKey(host: string, task: string, item: string | undefined): string {
  return `${host}\u0000${task}\u0000${item ?? ''}`;
}

export function parseSavedPlan(text: string, file: string): SavedPlan {
  const changes = new Map<string, SavedChange[]>();
  let checked = false;
  text.split('\n').forEach((line, i) => {
    if (!line.startsWith('{')) return;
    let e: { type?: string; check?: boolean; host?: string; task?: string; item?: string; changes?: Change[] };
    try {
      e = JSON.parse(line) as typeof e;
    } catch (err) {
      throw new InputError(`not a JSON event: ${(err as Error).message}`, { code: 'USAGE', location: { file, line: i + 1 } });
    }
    if (e.type === 'run_start') checked = e.check === true;
    if (e.type !== 'task_result' || !e.host || !e.task) return;
    const key = planKey(e.host, e.task, e.item);
    changes.set(key, [...(changes.get(key) ?? []), ...(e.changes ?? []).map((c) => ({ signature: changeSignature(c) }))]);
  });
  if (!checked) throw new InputError('not a saved plan: expected the output of `hostforge apply --check --json` or `hostforge plan -o FILE`', { code: 'USAGE', location: { file } });
  return { changes };
}

export async function loadSavedPlan(file: string): Promise<SavedPlan> {
  return parseSavedPlan(await readPlanText(file), file);
}

/** Undefined when the fresh plan still holds, else what differs. */
export function planDrift(saved: SavedPlan, key: string, changes: readonly Change[]): string | undefined {
  const host = key.slice(0, key.indexOf('\u0000'));
  const refused = saved.refused?.get(host);
  if (refused !== undefined) return `refused for this host before any change: ${refused}`;
  const pool = [...(saved.changes.get(key) ?? [])];
  const extra: string[] = [];
  const differs: string[] = [];
  for (const c of changes) {
    const sig = changeSignature(c);
    const i = pool.findIndex((p) => p.signature === sig);
    if (i < 0) {
      extra.push(sig);
      continue;
    }
    const [p] = pool.splice(i, 1);
    if (p?.content !== undefined && saved.salt !== undefined && contentDigest(saved.salt, c) !== p.content) differs.push(sig);
  }
  return [extra.length ? `not in the saved plan: ${extra.join('; ')}` : '', differs.length ? `content differs from the saved plan: ${differs.join('; ')}` : '']
    .filter(Boolean)
    .join(' / ') || undefined;
}

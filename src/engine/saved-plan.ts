/**
 * A saved plan: the JSON lines of `apply --check --json`. `apply --plan-file` applies
 * only if every task plans exactly the changes recorded there (same action, kind and
 * target, per host, task and loop item); a task whose plan no longer holds fails
 * before it changes anything, like Terraform's "inconsistent final plan".
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { Change } from '../modules/types.js';

export type SavedPlan = Map<string, string[]>;

export function planKey(host: string, task: string, item: string | undefined): string {
  return `${host}\u0000${task}\u0000${item ?? ''}`;
}

export function changeSignature(c: Pick<Change, 'action' | 'kind' | 'target'>): string {
  return `${c.action} ${c.kind} ${c.target}`;
}

export function parseSavedPlan(text: string, file: string): SavedPlan {
  const plan: SavedPlan = new Map();
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
    plan.set(key, [...(plan.get(key) ?? []), ...(e.changes ?? []).map(changeSignature)]);
  });
  if (!checked) throw new InputError('not a saved plan: expected the output of `hostforge apply --check --json`', { code: 'USAGE', location: { file } });
  return plan;
}

export async function loadSavedPlan(file: string): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read plan file ${file}: ${(err as Error).message}`, { code: 'USAGE' });
  }
  return parseSavedPlan(text, file);
}

/** Undefined when the fresh plan matches the saved one, else what differs. */
export function planDrift(saved: SavedPlan, key: string, changes: readonly Change[]): string | undefined {
  const want = [...(saved.get(key) ?? [])].sort();
  const have = changes.map(changeSignature).sort();
  if (want.length === have.length && want.every((w, i) => w === have[i])) return undefined;
  const missing = want.filter((w) => !have.includes(w));
  const extra = have.filter((h) => !want.includes(h));
  return [missing.length ? `no longer planned: ${missing.join('; ')}` : '', extra.length ? `not in the saved plan: ${extra.join('; ')}` : '']
    .filter(Boolean)
    .join(' / ');
}

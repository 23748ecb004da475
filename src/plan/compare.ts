/**
 * A fresh check run against a saved plan, host by host (Terraform's rule): a change that is
 * no longer planned is fine (it became a no-op); a change whose digest differs, or one that
 * is not in the plan, refuses the whole host before anything is changed on it.
 */
import { changeSignature } from './digest.js';
import type { PlannedChange, PlannedStep } from './file.js';

function stepKey(s: Pick<PlannedStep, 'host' | 'task' | 'item'>): string {
  return `${s.task}\u0000${s.item ?? ''}`;
}

function label(s: PlannedStep): string {
  return `task "${s.task}"${s.item !== undefined ? ` (item=${s.item})` : ''}`;
}

/** Per host, what no longer holds (empty when the host may be applied). */
export function comparePlans(saved: readonly PlannedStep[], fresh: readonly PlannedStep[]): Map<string, string[]> {
  const want = new Map<string, PlannedChange[]>();
  for (const s of saved) {
    const k = `${s.host}\u0000${stepKey(s)}`;
    want.set(k, [...(want.get(k) ?? []), ...s.changes]);
  }
  const out = new Map<string, string[]>();
  for (const s of fresh) {
    const pool = want.get(`${s.host}\u0000${stepKey(s)}`) ?? [];
    for (const c of s.changes) {
      const sig = changeSignature(c);
      const i = pool.findIndex((p) => changeSignature(p) === sig);
      let why: string | undefined;
      if (i < 0) why = `${label(s)}: ${c.summary} — not in the reviewed plan`;
      else {
        const p = pool[i]!;
        pool.splice(i, 1);
        if (p.write !== c.write) why = `${label(s)}: ${sig} — what it writes differs from the reviewed plan (now: ${c.summary})`;
        else if (p.before !== c.before) why = `${label(s)}: ${sig} — ${c.target} on the host changed since the plan (now: ${c.summary})`;
      }
      if (why) out.set(s.host, [...(out.get(s.host) ?? []), why]);
    }
  }
  return out;
}

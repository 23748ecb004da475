/**
 * Loops, as Ansible 2.14 runs them: the items of `loop:` or `with_<lookup>:` (terms
 * templated first, as listify_lookup_plugin_terms does), the variables each item sees
 * (loop_var, index_var, ansible_loop with `extended`, ansible_loop_var), what each item's
 * result carries, the pause between items, and the register value of a looped task.
 */
import { InputError } from '../errors.js';
import type { Vars } from '../modules/types.js';
import type { LoopControl, Task } from '../playbook/types.js';
import { evaluate } from '../template/render.js';
import { renderDeep, toPlain, type Scope } from '../vars/scope.js';
import { isWithLookup, withItems } from './loop-lookups.js';

/** Template a value the way Ansible templates loop terms: one "{{expr}}" keeps its type. */
function template(value: unknown, task: Task, scope: Scope): unknown {
  if (typeof value === 'string') return toPlain(evaluate(value.trim(), scope.context, { origin: task.location, revealed: scope.revealed }));
  return renderDeep(value, scope, task.location);
}

/** The items of a looping task for one host. */
export function loopItems(task: Task, scope: Scope): unknown[] {
  const terms = template(task.loop, task, scope);
  if (task.loopWith !== undefined && isWithLookup(task.loopWith)) return withItems(task.loopWith, terms);
  if (!Array.isArray(terms)) throw new InputError(`loop: expected a list, got ${JSON.stringify(terms)}`, { location: task.location });
  return terms;
}

/** ansible_loop (loop_control.extended): index, index0, revindex, first, last, length, previtem, nextitem, allitems. */
function extendedInfo(items: unknown[], i: number, control: LoopControl): Vars {
  const n = items.length;
  const info: Vars = {
    index: i + 1,
    index0: i,
    revindex: n - i,
    revindex0: n - i - 1,
    first: i === 0,
    last: i === n - 1,
    length: n,
  };
  if (control.extendedAllitems !== false) info.allitems = items;
  if (i > 0) info.previtem = items[i - 1];
  if (i < n - 1) info.nextitem = items[i + 1];
  return info;
}

/** The variables item `i` of `items` adds to the task's scope; its result carries them too. */
export function loopVars(task: Task, items: unknown[], i: number): Vars {
  const control = task.loopControl ?? {};
  const out: Vars = { [task.loopVar]: items[i], ansible_loop_var: task.loopVar };
  if (control.indexVar !== undefined) {
    out[control.indexVar] = i;
    out.ansible_index_var = control.indexVar;
  }
  if (control.extended) out.ansible_loop = extendedInfo(items, i, control);
  return out;
}

/** loop_control.pause: seconds to wait between two items (not after the last). */
export async function pauseBetween(task: Task, i: number, n: number, check: boolean): Promise<void> {
  const s = task.loopControl?.pause ?? 0;
  if (s <= 0 || i >= n - 1 || check) return;
  await new Promise((r) => setTimeout(r, s * 1000));
}

/** The register value of a looped task, shaped like Ansible's. */
export function loopRegister(results: Vars[]): Vars {
  const failed = results.some((r) => r.failed === true);
  const out: Vars = {
    changed: results.some((r) => r.changed === true),
    msg: failed ? 'One or more items failed' : 'All items completed',
    results,
    skipped: results.length === 0 || results.every((r) => r.skipped === true),
  };
  if (failed) out.failed = true;
  return out;
}

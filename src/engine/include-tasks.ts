/**
 * include_tasks at run time: per host (and per loop item) the include's `when` is decided
 * once and its file name rendered; hosts that include the same file with the same item
 * variables share one copy of its tasks, run in lockstep over those hosts, in the order the
 * includes were reached (as Ansible's linear strategy does). Each (host, item) included
 * counts as ok in the recap; a host whose `when` is false is skipped.
 */
import { relative } from 'node:path';
import { errorMessage, InputError } from '../errors.js';
import type { Vars } from '../modules/types.js';
import type { Task } from '../playbook/types.js';
import { evaluate, evaluateCondition } from '../template/render.js';
import { toPlain } from '../vars/scope.js';
import { buildScope } from './context.js';
import type { TaskResultEvent } from './events.js';
import { loopItems, loopVars } from './loops.js';
import type { TaskEnv } from './task-runner.js';

export interface IncludedGroup {
  /** The rendered file name. */
  file: string;
  hosts: string[];
  /** The file's tasks, carrying the include's loop variables. */
  tasks: Task[];
}

interface Wanted {
  file: string;
  itemVars: Vars;
  label?: string;
}

function wantedOn(task: Task, host: string, env: TaskEnv): Wanted[] | 'skipped' {
  const scopeFor = (extra?: Vars) => buildScope({ inv: env.inv, run: env.run, host, states: env.states, playVars: env.playVars, playHosts: env.playHosts, role: task.role, task, extra });
  const holds = (extra?: Vars): boolean => task.when === undefined || evaluateCondition(task.when, scopeFor(extra).context, { origin: task.location });
  const fileOf = (extra?: Vars): string => {
    const scope = scopeFor(extra);
    const f = toPlain(evaluate(task.include!.file, scope.context, { origin: task.location, revealed: scope.revealed }));
    if (typeof f !== 'string' || f === '') throw new InputError(`include_tasks: the file name rendered to ${JSON.stringify(f)}`, { location: task.location });
    return f;
  };
  if (task.loop === undefined) return holds() ? [{ file: fileOf(), itemVars: {} }] : 'skipped';
  const items = loopItems(task, scopeFor());
  const out: Wanted[] = [];
  for (let i = 0; i < items.length; i++) {
    const itemVars = loopVars(task, items, i);
    if (!holds(itemVars)) continue;
    const item = items[i];
    const label = typeof item === 'string' || typeof item === 'number' ? String(item) : JSON.stringify(toPlain(item));
    out.push({ file: fileOf(itemVars), itemVars, label });
  }
  return out.length === 0 ? 'skipped' : out;
}

export async function expandInclude(task: Task, on: string[], env: TaskEnv): Promise<{ events: TaskResultEvent[]; groups: IncludedGroup[] }> {
  const base = { type: 'task_result' as const, task: task.name, checkMode: env.run.check, noLog: task.noLog, changes: [], durationMs: 0 };
  const events: TaskResultEvent[] = [];
  const groups = new Map<string, IncludedGroup & { itemVars: Vars }>();
  for (const host of on) {
    let wanted: Wanted[] | 'skipped';
    try {
      wanted = wantedOn(task, host, env);
    } catch (err) {
      events.push({ ...base, host, status: 'failed', msg: errorMessage(err) });
      continue;
    }
    if (wanted === 'skipped') {
      events.push({ ...base, host, status: 'skipped' });
      continue;
    }
    for (const w of wanted) {
      let tasks: Task[];
      try {
        tasks = await task.include!.load(w.file);
      } catch (err) {
        events.push({ ...base, host, item: w.label, status: 'failed', msg: `include_tasks ${w.file}: ${errorMessage(err)}` });
        continue;
      }
      events.push({ ...base, host, item: w.label, status: 'ok', msg: `included: ${relative(process.cwd(), tasks[0]?.location.file ?? w.file)}` });
      const key = `${w.file}\0${JSON.stringify(w.itemVars)}`;
      const g = groups.get(key);
      if (g) g.hosts.push(host);
      else groups.set(key, { file: w.file, hosts: [host], itemVars: w.itemVars, tasks: tasks.map((t) => ({ ...t, vars: { ...w.itemVars, ...t.vars } })) });
    }
  }
  return { events, groups: [...groups.values()] };
}

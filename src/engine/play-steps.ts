/**
 * What the play runner does around a task, per host, beside running it: a block's rescue taking
 * over a failure, failures recorded for rescue/always, run_once results shared with the batch,
 * and the meta tasks (end_play, end_batch, end_host, clear_host_errors, noop, refresh_inventory).
 */
import type { Vars } from '../modules/types.js';
import type { Task } from '../playbook/types.js';
import { evaluateCondition } from '../template/render.js';
import { buildScope, type HostRunState } from './context.js';
import type { TaskResultEvent } from './events.js';
import type { TaskEnv } from './task-runner.js';

/** A task's name without its "role : " label (ansible_failed_task.name). */
const bareName = (task: Task): string => task.name.replace(/^[^:]+ : /, '');

/** The rescue of block `id` takes over the host's failure (Ansible: rescued, not failed). */
export function rescue(st: HostRunState, id: number, env: { onRescue?(host: string): void }): void {
  const failure = st.failure;
  st.failed = false;
  (st.rescuing ??= new Set()).add(id);
  st.registered.ansible_failed_task = { name: failure?.task ?? '' };
  st.registered.ansible_failed_result = failure?.result ?? { failed: true };
  st.failure = undefined;
  env.onRescue?.(st.name);
}

/** Remember where each host that just failed failed, for the blocks around the task. */
export function recordFailures(task: Task, events: TaskResultEvent[], states: Map<string, HostRunState>): void {
  for (const e of events) {
    if (e.status !== 'failed' || e.ignored) continue;
    const st = states.get(e.host)!;
    const result: Vars = { failed: true, changed: false, msg: e.msg ?? '', ...(st.lastResult ?? {}) };
    st.failure = { frames: task.blocks ?? [], task: bareName(task), result };
  }
}

/** run_once: the first host ran it; the others of the batch get its registered result and its failure. */
export function shareRunOnce(task: Task, first: string, hosts: string[], states: Map<string, HostRunState>, env: { onResult(e: TaskResultEvent): void }): void {
  const src = states.get(first)!;
  for (const h of hosts) {
    if (h === first) continue;
    const st = states.get(h)!;
    if (task.register && task.register in src.registered) st.registered[task.register] = src.registered[task.register];
    if (src.failed && src.failure?.task === bareName(task)) {
      st.failed = true;
      st.failure = src.failure;
      env.onResult({ type: 'task_result', host: h, task: task.name, status: 'failed', changes: [], msg: `run_once task failed on ${first}`, checkMode: false, noLog: task.noLog, durationMs: 0 });
    }
  }
}

function whenHolds(task: Task, host: string, env: TaskEnv): boolean {
  if (task.when === undefined) return true;
  const scope = buildScope({ inv: env.inv, run: env.run, host, states: env.states, playVars: env.playVars, playHosts: env.playHosts, role: task.role, task });
  return evaluateCondition(task.when, scope.context, { origin: task.location });
}

/** A meta task on the hosts it reaches; 'play' or 'batch' when it ends one. */
export async function runMeta(task: Task, on: string[], batch: string[], env: TaskEnv): Promise<'play' | 'batch' | undefined> {
  switch (task.meta) {
    case 'end_play':
      return on.some((h) => whenHolds(task, h, env)) ? 'play' : undefined;
    case 'end_batch':
      return on.some((h) => whenHolds(task, h, env)) ? 'batch' : undefined;
    case 'end_host':
      for (const h of on) if (whenHolds(task, h, env)) env.states.get(h)!.ended = true;
      return undefined;
    case 'clear_host_errors':
      for (const h of batch) {
        const st = env.states.get(h)!;
        if (st.unreachable) continue;
        st.failed = false;
        st.failure = undefined;
      }
      return undefined;
    default:
      return undefined;
  }
}

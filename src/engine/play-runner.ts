/**
 * A play: hosts in batches (serial), each task on every active host of the batch in
 * parallel (at most --forks), lockstep between tasks (so a task may read what an earlier
 * task registered on other hosts), handlers once per host at flush points and at the
 * end of the batch. A failed host stops its own tasks, not the others'.
 */
import type { LoadedPlay } from '../playbook/load.js';
import type { Task } from '../playbook/types.js';
import { errorMessage, failureKind } from '../errors.js';
import type { Reporter, TaskResultEvent } from './events.js';
import type { HostRunState } from './context.js';
import { runTaskOnHost, type TaskEnv } from './task-runner.js';
import { blockDecision } from './blocks.js';
import { recordFailures, rescue, runMeta, shareRunOnce } from './play-steps.js';
import { taskTitle } from './display.js';
import { expandInclude } from './include-tasks.js';

export interface TagFilter {
  tags: string[];
  skipTags: string[];
}

export interface PlayEnv extends Omit<TaskEnv, 'playVars' | 'playHosts' | 'playBecome' | 'playBecomeUser' | 'playBecomeMethod' | 'playBecomeFlags' | 'playEnvironment'> {
  forks: number;
  tagFilter: TagFilter;
  reporter: Reporter;
  onResult(e: TaskResultEvent): void;
  /** A block's rescue caught this host's failure (the recap moves it from failed to rescued). */
  onRescue?(host: string): void;
  /** --step: asked before each task; false skips it. */
  beforeTask?: (task: Task) => Promise<boolean>;
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Ansible's Taggable.evaluate_tags: --tags defaults to all; never, always, tagged, untagged as it treats them. */
export function taskSelected(task: Task, f: TagFilter): boolean {
  const untagged = task.tags.length === 0;
  const tags = new Set(untagged ? ['untagged'] : task.tags);
  const only = new Set(f.tags.length > 0 ? f.tags : ['all']);
  const skip = new Set(f.skipTags);
  const hits = (s: Set<string>): boolean => [...s].some((t) => tags.has(t));
  let run = tags.has('always') || (only.has('all') && !tags.has('never')) || hits(only) || (only.has('tagged') && !untagged && !tags.has('never'));
  if (run && skip.size > 0) {
    if (skip.has('all')) run = tags.has('always') && !skip.has('always');
    else if (hits(skip) || (skip.has('tagged') && !untagged)) run = false;
  }
  return run;
}

export function batches(hosts: string[], serial: (number | string)[] | undefined): string[][] {
  if (!serial || serial.length === 0) return [hosts];
  const out: string[][] = [];
  let i = 0;
  let s = 0;
  while (i < hosts.length) {
    const spec = serial[Math.min(s++, serial.length - 1)]!;
    const n =
      typeof spec === 'string' && spec.endsWith('%')
        ? Math.max(1, Math.floor((hosts.length * Number(spec.slice(0, -1))) / 100))
        : Math.max(1, Number(spec));
    out.push(hosts.slice(i, i + n));
    i += n;
  }
  return out;
}

function active(hosts: string[], states: Map<string, HostRunState>): string[] {
  return hosts.filter((h) => {
    const s = states.get(h)!;
    return !s.failed && !s.unreachable && !s.ended;
  });
}

export async function runPlay(play: LoadedPlay, hosts: string[], env: PlayEnv): Promise<{ aborted: boolean }> {
  const { reporter, states } = env;
  reporter.emit({ type: 'play_start', play: play.name, hosts });
  for (const h of hosts) {
    const st = states.get(h)!;
    st.ended = false;
    st.rescuing = new Set();
  }
  const taskEnv: TaskEnv = {
    ...env,
    playVars: play.vars,
    playHosts: hosts,
    playBecome: play.become,
    playBecomeUser: play.becomeUser,
    playBecomeMethod: play.becomeMethod,
    playBecomeFlags: play.becomeFlags,
    playEnvironment: play.environment,
  };

  const runTask = async (task: Task, on: string[], handler: boolean): Promise<TaskResultEvent[]> => {
    if (on.length === 0) return [];
    const title = taskTitle(task, on, { inv: env.inv, run: env.run, states, playVars: play.vars, playHosts: hosts });
    reporter.emit({ type: 'task_start', task: title, hosts: on, handler });
    const all: TaskResultEvent[] = [];
    const limit = task.throttle && task.throttle > 0 ? Math.min(task.throttle, env.forks) : env.forks;
    await mapLimit(on, limit, async (h) => {
      const events = await runTaskOnHost(task, h, taskEnv);
      for (const e of events) env.onResult(e);
      all.push(...events);
      reporter.emit({ type: 'task_host_done', task: task.name, host: h });
    });
    return all;
  };

  const runHandlers = async (batch: string[]): Promise<void> => {
    for (let pass = 0; pass < 3; pass++) {
      let ran = false;
      for (const handler of play.handlers) {
        const names = [handler.name.replace(/^[^:]+ : /, ''), handler.name, ...handler.listen];
        const on = active(batch, states).filter((h) => names.some((n) => states.get(h)!.notified.has(n)));
        if (on.length === 0) continue;
        for (const h of on) for (const n of names) states.get(h)!.notified.delete(n);
        ran = true;
        await runTask(handler, on, true);
      }
      if (!ran) break;
    }
  };

  let aborted = false;
  let endPlay = false;

  /** include_tasks: who includes what; the included files' tasks then run on their hosts. */
  const runInclude = async (task: Task, on: string[], batch: string[]): Promise<boolean> => {
    reporter.emit({ type: 'task_start', task: taskTitle(task, on, { inv: env.inv, run: env.run, states, playVars: play.vars, playHosts: hosts }), hosts: on, handler: false });
    const { events, groups } = await expandInclude(task, on, taskEnv);
    for (const e of events) {
      env.onResult(e);
      if (e.status === 'failed') states.get(e.host)!.failed = true;
    }
    for (const h of on) reporter.emit({ type: 'task_host_done', task: task.name, host: h });
    recordFailures(task, events, states);
    for (const g of groups) if (!(await runList(g.tasks, batch, new Set(g.hosts)))) return false;
    return true;
  };

  /** A task list on the batch (`only`: the hosts an include reached); false ends the batch. */
  const runList = async (tasks: Task[], batch: string[], only?: Set<string>): Promise<boolean> => {
    const scope = only ? batch.filter((h) => only.has(h)) : batch;
    for (const task of tasks) {
      if (task.meta === 'flush_handlers') {
        await runHandlers(batch);
        continue;
      }
      if (!taskSelected(task, env.tagFilter)) continue;
      if (task.meta === 'clear_host_errors') {
        await runMeta(task, batch, batch, taskEnv);
        continue;
      }
      const decisions = new Map(scope.map((h) => [h, blockDecision(task, states.get(h)!)] as const));
      let on = scope.filter((h) => decisions.get(h)!.run);
      if (on.length === 0) continue;
      for (const h of on) {
        const d = decisions.get(h)!;
        if (d.run && d.rescue !== undefined) rescue(states.get(h)!, d.rescue, env);
      }
      if (task.meta) {
        const stop = await runMeta(task, on, batch, taskEnv);
        if (stop === 'play') endPlay = true;
        if (stop) return false;
        continue;
      }
      if (env.beforeTask && !(await env.beforeTask(task))) continue;
      if (task.include) {
        if (!(await runInclude(task, on, batch))) return false;
        continue;
      }
      if (task.runOnce) on = on.slice(0, 1);
      const events = await runTask(task, on, false);
      recordFailures(task, events, states);
      if (task.runOnce) shareRunOnce(task, on[0]!, scope.filter((h) => decisions.get(h)!.run), states, env);
      const failedNow = events.some((e) => e.status === 'failed' && !e.ignored);
      if (failedNow && task.anyErrorsFatal && !(task.blocks ?? []).some((f) => f.hasRescue && f.part === 'block')) {
        reporter.emit({ type: 'warning', msg: `any_errors_fatal: "${task.name}" failed: stopping the play for every host` });
        aborted = true;
        return false;
      }
      const failed = batch.filter((h) => states.get(h)!.failed || states.get(h)!.unreachable).length;
      if (play.maxFailPercentage !== undefined && (failed * 100) / batch.length > play.maxFailPercentage) {
        reporter.emit({ type: 'warning', msg: `max_fail_percentage ${play.maxFailPercentage}% exceeded: stopping the play` });
        aborted = true;
        return false;
      }
    }
    return true;
  };

  for (const batch of batches(hosts, play.serial)) {
    if (play.gatherFacts) {
      const on = active(batch, states);
      if (on.length > 0) {
        reporter.emit({ type: 'task_start', task: 'Gathering Facts', hosts: on, handler: false });
        await mapLimit(on, env.forks, async (h) => {
          const t0 = Date.now();
          const state = states.get(h)!;
          try {
            const host = await env.pool.host(h);
            state.facts = await host.facts();
            env.onResult({ type: 'task_result', host: h, task: 'Gathering Facts', status: 'ok', changes: [], checkMode: env.run.check, noLog: false, durationMs: Date.now() - t0 });
          } catch (err) {
            const unreachable = failureKind(err) === 'unreachable';
            if (unreachable) state.unreachable = true;
            else state.failed = true;
            env.onResult({ type: 'task_result', host: h, task: 'Gathering Facts', status: unreachable ? 'unreachable' : 'failed', changes: [], msg: errorMessage(err), checkMode: env.run.check, noLog: false, durationMs: Date.now() - t0 });
          }
          reporter.emit({ type: 'task_host_done', task: 'Gathering Facts', host: h });
        });
      }
    }
    await runList(play.tasks, batch);
    if (aborted || endPlay) break;
    await runHandlers(batch);
  }
  reporter.emit({ type: 'play_end', play: play.name });
  return { aborted };
}

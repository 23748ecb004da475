/**
 * One task on one host: loop, when, render arguments, validate them, plan, then
 * (real run) apply exactly the planned changes or (check mode) record them in the
 * host's predicted state. Returns the events; the play runner decides what follows.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { errorMessage, failureKind, InputError, TaskError } from '../errors.js';
import { getModule } from '../modules/registry.js';
import type { AnyModule, ApplyResult, Change, Host, ModuleContext, Vars } from '../modules/types.js';
import { ajvToInputError, validator } from '../playbook/schema.js';
import type { Task } from '../playbook/types.js';
import type { PkiService } from '../pki/types.js';
import type { RemoteHost } from '../transport/remote-host.js';
import { planDrift, planKey, type SavedPlan } from './saved-plan.js';
import { evaluate, evaluateCondition, render } from '../template/render.js';
import { taintSecretArgs } from '../util/secret-args.js';
import { collectSecrets, renderDeep, toPlain, type Scope } from '../vars/scope.js';
import { buildScope, hostOnlyVars, groupsMap, type HostRunState, type InventoryView, type RunVars } from './context.js';
import type { ConnectionPool } from './connections.js';
import type { HostStatus, Reporter, TaskResultEvent } from './events.js';
import { PlanningGuard, PredictedHost } from './predicted-host.js';
import { loopItems, loopRegister, loopVars, pauseBetween } from './loops.js';
import { summarizeLoop } from './recap.js';
import { debugDisplay } from './display.js';
import { pkiDirOf } from './pki-dir.js';
import { noteRebootEffects } from './reboot-required.js';

export interface TaskEnv {
  inv: InventoryView;
  run: RunVars;
  states: Map<string, HostRunState>;
  playVars: Vars;
  playHosts: string[];
  playBecome?: boolean;
  playBecomeUser?: string;
  playBecomeMethod?: 'sudo' | 'su';
  playBecomeFlags?: string;
  playEnvironment?: unknown;
  pool: ConnectionPool;
  reporter: Reporter;
  pki: (dir?: string) => Promise<PkiService>;
  /** apply --plan-file: act only where the fresh plan equals the saved one. */
  savedPlan?: SavedPlan;
}

interface ItemOutcome {
  status: HostStatus;
  changes: Change[];
  result: Vars;
  msg?: string;
  output?: string;
  ignored?: boolean;
  item?: string;
  durationMs: number;
}

function itemLabel(task: Task, item: unknown, scope: Scope): string {
  if (task.loopLabel) return render(task.loopLabel, scope.context);
  if (typeof item === 'string' || typeof item === 'number') return String(item);
  return JSON.stringify(toPlain(item));
}

async function readLocal(searchPaths: string[], rel: string): Promise<{ path: string; data: Buffer }> {
  const candidates = isAbsolute(rel) ? [rel] : searchPaths.map((d) => join(d, rel));
  for (const p of candidates) {
    try {
      return { path: p, data: await readFile(p) };
    } catch {
      /* next */
    }
  }
  throw new InputError(`file not found: ${rel} (searched ${candidates.join(', ')})`);
}

/** Every host's variables, each built only when a module reads it. */
function lazyHostvars(env: TaskEnv): Record<string, Vars> {
  const out: Record<string, Vars> = {};
  for (const h of env.inv.hosts()) {
    Object.defineProperty(out, h, { enumerable: true, get: () => hostOnlyVars(env.inv, env.states.get(h), h) });
  }
  return out;
}

function resultFrom(r: ApplyResult | void, changes: Change[], status: HostStatus): Vars {
  const out: Vars = { changed: status === 'changed', failed: status === 'failed', skipped: status === 'skipped' };
  if (r) Object.assign(out, r);
  if (typeof out.stdout === 'string') out.stdout_lines = out.stdout.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);
  if (typeof out.stderr === 'string') out.stderr_lines = out.stderr.split('\n').filter((l) => l !== '');
  out.changes = changes.map((c) => c.summary);
  return out;
}

/** Validate rendered arguments with defaults and coercion; an error names the task. */
function validateArgs(mod: AnyModule, args: unknown, task: Task): Record<string, unknown> {
  const data = structuredClone(args) as Record<string, unknown>;
  const v = validator(mod.args as object, true);
  if (!v(data)) throw ajvToInputError(v.errors ?? [], undefined, [], `task "${task.name}" module "${mod.name}"`, task.location.file);
  return data;
}

function becomeHost(real: RemoteHost, task: Task, env: TaskEnv): Host {
  const hv = env.inv.hosts().includes(real.name) ? env.inv.hostVars(real.name) : {};
  const enabled = task.become ?? env.playBecome ?? (hv.ansible_become === true || hv.ansible_become === 'true');
  const user = task.becomeUser ?? env.playBecomeUser ?? (typeof hv.ansible_become_user === 'string' ? hv.ansible_become_user : 'root');
  const method = task.becomeMethod ?? env.playBecomeMethod;
  const flags = task.becomeFlags ?? env.playBecomeFlags;
  return real.withBecome({ enabled, user, ...(method !== undefined ? { method } : {}), ...(flags !== undefined ? { flags } : {}) });
}

/** The play's and the task's `environment:` (rendered), later ones winning. */
function environmentFor(task: Task, scope: Scope, env: TaskEnv): Record<string, string> | undefined {
  const entries = [...(env.playEnvironment !== undefined ? [env.playEnvironment] : []), ...(task.environment ?? [])];
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const v = renderDeep(e, scope, task.location);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TaskError(`environment: expected a mapping of variables, got ${JSON.stringify(v)}`);
    for (const [k, x] of Object.entries(v)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new TaskError(`environment: "${k}" is not a variable name`);
      out[k] = String(x);
    }
  }
  return out;
}

/** A host whose every command also gets these environment variables. */
function withEnvironment(host: Host, vars: Record<string, string>): Host {
  return {
    name: host.name,
    vars: host.vars,
    checkMode: host.checkMode,
    exec: (cmd, opts) => host.exec(cmd, { ...opts, env: { ...vars, ...opts?.env } }),
    read: (p) => host.read(p),
    stat: (p) => host.stat(p),
    write: (p, d, o) => host.write(p, d, o),
    facts: () => host.facts(),
    invalidate: (p) => host.invalidate(p),
  };
}

async function runItem(task: Task, mod: AnyModule, baseHost: Host, scope: Scope, env: TaskEnv, item?: string): Promise<ItemOutcome> {
  const t0 = Date.now();
  const environment = environmentFor(task, scope, env);
  const host = environment ? withEnvironment(baseHost, environment) : baseHost;
  const state = env.states.get(host.name)!;
  const origin = task.location;
  const rendered = renderDeep(task.args, scope, origin, task.locateArg);
  taintSecretArgs(rendered);
  const args = validateArgs(mod, rendered, task);
  const ctx: ModuleContext = {
    searchPaths: task.searchPaths,
    render: (text) => render(text, scope.context, { origin: `template in task "${task.name}"`, revealed: scope.revealed }),
    readLocal: (rel) => readLocal(task.searchPaths, rel),
    vars: scope.context,
    warn: (msg) => env.reporter.emit({ type: 'warning', host: host.name, msg }),
    probeLogin: () => env.pool.probeLogin(host.name),
    link: env.pool.link(host.name),
    pki: () => env.pki(pkiDirOf(scope.context)),
    hostvars: lazyHostvars(env),
    groups: groupsMap(env.inv),
  };
  const check = env.run.check && task.checkMode !== false;
  const planHost: Host = check ? new PredictedHost(host, state.predicted) : new PlanningGuard(host);
  const changes = await mod.plan(planHost as never, args as never, ctx);
  if (env.savedPlan && !check) {
    // A command declared `changed_when: false` is listed without changes in check mode.
    const comparable = task.changedWhen === false || task.changedWhen === 'false' ? changes.filter((c) => c.action !== 'run') : changes;
    const drift = planDrift(env.savedPlan, planKey(host.name, task.name, item), comparable);
    if (drift) throw new TaskError(`the saved plan no longer holds for this task (${drift}); nothing was changed`);
  }
  const secrets = [...collectSecrets(scope)].filter((s) => s.length >= 4);
  for (const s of scope.revealed) env.run.revealed.add(s);
  for (const c of changes) {
    const text = `${c.summary}\n${c.before ?? ''}\n${c.after ?? ''}`;
    if (task.noLog || secrets.some((s) => text.includes(s))) c.sensitive = true;
  }

  if (check) {
    if (mod.readOnly) {
      const applied = await mod.apply(planHost as never, [], args as never, ctx);
      return { status: 'ok', changes, result: resultFrom(applied, changes, 'ok'), msg: applied?.msg, item, durationMs: Date.now() - t0 };
    }
    if (mod.checkMode === 'skip-run' && changes.some((c) => c.action === 'run' && c.data?.decided !== true)) {
      // A command declared `changed_when: false` never changes anything: nothing to list.
      const listed = task.changedWhen === false || task.changedWhen === 'false' ? [] : changes;
      return { status: 'skipped', changes: listed, result: resultFrom(undefined, listed, 'skipped'), msg: 'not run in check mode', item, durationMs: Date.now() - t0 };
    }
    state.predicted.record(changes);
    noteRebootEffects(state, mod, changes, args);
    const status: HostStatus = changes.length > 0 ? 'changed' : 'ok';
    return { status, changes, result: resultFrom(mod.checkResult?.(changes, args as never), changes, status), item, durationMs: Date.now() - t0 };
  }
  let applied: ApplyResult | void = undefined;
  let status: HostStatus = 'ok';
  if (changes.length > 0) {
    applied = await mod.apply(host as never, changes, args as never, ctx);
    host.invalidate();
    noteRebootEffects(state, mod, changes, args);
    status = 'changed';
  } else if (mod.readOnly) {
    // Read-only modules produce their result through apply() with no change.
    applied = await mod.apply(host as never, [], args as never, ctx);
  }
  const output = applied && (applied.stdout || applied.stderr) ? [applied.stdout, applied.stderr].filter(Boolean).join('\n') : undefined;
  return { status, changes, result: resultFrom(applied, changes, status), msg: applied?.msg, output, item, durationMs: Date.now() - t0 };
}

/** The task's variables plus its result as `result` and under its `register:` name. */
function withResult(scope: Scope, task: Task, result: Vars): Record<string, unknown> {
  const extra: Vars = { result, ...(task.register ? { [task.register]: result } : {}) };
  return new Proxy(scope.context, {
    get: (t, k) => (typeof k === 'string' && k in extra ? extra[k] : Reflect.get(t, k)),
    has: (t, k) => (typeof k === 'string' && k in extra) || Reflect.has(t, k),
  });
}

/** Apply changed_when / failed_when to an outcome. */
function judge(task: Task, outcome: ItemOutcome, scope: Scope): ItemOutcome {
  if (outcome.status === 'skipped' || outcome.status === 'unreachable') return outcome;
  const ctx = withResult(scope, task, outcome.result);
  let o = outcome;
  if (task.changedWhen !== undefined && o.status !== 'failed') {
    const changed = evaluateCondition(task.changedWhen, ctx, { origin: task.location });
    o = { ...o, status: changed ? 'changed' : 'ok', changes: changed ? o.changes : [] };
    o.result = { ...o.result, changed };
  }
  if (task.failedWhen !== undefined) {
    const failed = evaluateCondition(task.failedWhen, ctx, { origin: task.location });
    if (failed) o = { ...o, status: 'failed', msg: o.msg ?? 'failed_when condition is true' };
    else if (o.status === 'failed') o = { ...o, status: 'ok', msg: undefined };
    o.result = { ...o.result, failed };
  }
  return o;
}

/**
 * Run an item, judged by changed_when/failed_when; with `until:`, again (after `delay`
 * seconds, at most `retries` more times) while the condition is false. Check mode runs once.
 */
async function untilDone(task: Task, scope: Scope, env: TaskEnv, run: () => Promise<ItemOutcome>, label?: string): Promise<ItemOutcome> {
  let attempt = 0;
  for (;;) {
    let o: ItemOutcome;
    try {
      o = judge(task, await run(), scope);
    } catch (err) {
      o = judge(task, failureOutcome(err, label, Date.now()), scope);
    }
    if (task.until === undefined || env.run.check || o.status === 'unreachable' || o.status === 'skipped') return o;
    const ctx = withResult(scope, task, o.result);
    if (evaluateCondition(task.until, ctx, { origin: task.location })) return { ...o, result: { ...o.result, attempts: attempt + 1 } };
    if (attempt >= task.retries) {
      return { ...o, status: 'failed', msg: `${o.msg ? `${o.msg}; ` : ''}until condition still false after ${attempt + 1} attempts`, result: { ...o.result, attempts: attempt + 1, failed: true } };
    }
    attempt++;
    await new Promise((r) => setTimeout(r, task.delayS * 1000));
  }
}

function failureOutcome(err: unknown, item: string | undefined, t0: number): ItemOutcome {
  const unreachable = failureKind(err) === 'unreachable';
  const details = err instanceof TaskError && err.details ? `\n${err.details}` : '';
  const result: Vars = { failed: !unreachable, unreachable, changed: false, msg: errorMessage(err) };
  const cause = (err as { result?: ApplyResult }).result;
  if (cause) Object.assign(result, cause);
  return { status: unreachable ? 'unreachable' : 'failed', changes: [], result, msg: errorMessage(err) + details, item, durationMs: Date.now() - t0 };
}

export async function runTaskOnHost(task: Task, hostName: string, env: TaskEnv): Promise<TaskResultEvent[]> {
  const state = env.states.get(hostName)!;
  const base = { type: 'task_result' as const, host: hostName, task: task.name, checkMode: env.run.check, noLog: task.noLog };
  const t0 = Date.now();
  let scope = buildScope({ inv: env.inv, run: env.run, host: hostName, states: env.states, playVars: env.playVars, playHosts: env.playHosts, role: task.role, task });
  const outcomes: ItemOutcome[] = [];
  try {
    if (task.module === 'set_fact') {
      if (task.when !== undefined && !evaluateCondition(task.when, scope.context, { origin: task.location })) {
        return [{ ...base, status: 'skipped', changes: [], durationMs: Date.now() - t0 }];
      }
      const facts = renderDeep(task.args, scope, task.location, task.locateArg) as Vars;
      Object.assign(state.registered, facts);
      return [{ ...base, status: 'ok', changes: [], durationMs: Date.now() - t0 }];
    }
    const mod = getModule(task.module);
    if (!mod) throw new InputError(`unknown module "${task.module}"`, { location: task.location });
    // delegate_to: the commands run on another host (or the bastion), with this host's variables.
    const delegate = task.delegateTo === undefined ? hostName : String(evaluate(task.delegateTo, scope.context, { origin: task.location, revealed: scope.revealed }));
    const connected = await env.pool.host(delegate);
    const host = becomeHost(connected, task, env);

    if (task.loop === undefined) {
      if (task.when !== undefined && !evaluateCondition(task.when, scope.context, { origin: task.location })) {
        outcomes.push({ status: 'skipped', changes: [], result: { skipped: true, changed: false }, durationMs: Date.now() - t0 });
      } else {
        try {
          outcomes.push(await untilDone(task, scope, env, () => runItem(task, mod, host, scope, env)));
        } catch (err) {
          outcomes.push(judge(task, failureOutcome(err, undefined, t0), scope));
        }
      }
    } else {
      const items = loopItems(task, scope);
      if (items.length === 0) outcomes.push({ status: 'skipped', changes: [], result: { skipped: true, changed: false, skipped_reason: 'No items in the list', results: [] }, msg: 'No items in the list', durationMs: 0 });
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        const itemVars = loopVars(task, items, i);
        scope = buildScope({ inv: env.inv, run: env.run, host: hostName, states: env.states, playVars: env.playVars, playHosts: env.playHosts, role: task.role, task, extra: itemVars });
        const label = itemLabel(task, item, scope);
        const ti = Date.now();
        if (task.when !== undefined && !evaluateCondition(task.when, scope.context, { origin: task.location })) {
          outcomes.push({ status: 'skipped', changes: [], result: { skipped: true, changed: false, false_condition: task.when, ...itemVars }, item: label, durationMs: 0 });
          continue;
        }
        let o: ItemOutcome;
        try {
          o = await untilDone(task, scope, env, () => runItem(task, mod, host, scope, env, label), label);
        } catch (err) {
          o = judge(task, failureOutcome(err, label, ti), scope);
        }
        o.result = { ...o.result, ...itemVars };
        outcomes.push(o);
        if (o.status === 'unreachable') break;
        await pauseBetween(task, i, items.length, env.run.check);
      }
    }
  } catch (err) {
    outcomes.push(failureOutcome(err, undefined, t0));
  }
  // register: one result, or {results: [...]} for a loop.
  if (task.register) {
    const items = outcomes.filter((o) => o.item !== undefined);
    state.registered[task.register] = task.loop === undefined || items.length === 0 ? (outcomes[0]?.result ?? {}) : loopRegister(items.map((o) => o.result));
  }
  const events: TaskResultEvent[] = [];
  for (const o of outcomes) {
    const ignored = o.status === 'failed' && task.ignoreErrors;
    events.push({ ...base, item: o.item, status: o.status, changes: o.changes, msg: o.msg, output: o.output, display: debugDisplay(task, o.result), ignored, durationMs: o.durationMs });
    if (o.status === 'changed') for (const n of task.notify) state.notified.add(n);
    if (o.status === 'unreachable') state.unreachable = true;
    if (o.status === 'failed' && !ignored) {
      state.failed = true;
      state.lastResult = o.result;
    }
  }
  if (task.loop !== undefined) summarizeLoop(events);
  return events;
}

/**
 * Before any connection: everything that can fail without a host is checked, for every
 * host, and every problem is reported at once with its file:line:column. For each task:
 * `when:`, the name, the loop (a list?), the arguments (rendered, then the module's schema,
 * modes, ports, regular expressions), the bastion files and templates it reads, the
 * conditions judged after it runs, and its notify (a handler of that name?). For each
 * play: role argument specs and parameters, connection variables, variable cycles.
 * Values that only exist at run time (facts, registered results, loop items) stand in as
 * unknown placeholders and are never judged.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { connectionFor } from '../inventory/connection.js';
import type { Vars } from '../modules/types.js';
import type { LoadedPlay } from '../playbook/load.js';
import { flattenTasks, type Task } from '../playbook/types.js';
import { evaluate, evaluateCondition, render } from '../template/render.js';
import { activeProblems, collecting, report } from '../util/problems.js';
import { printable } from '../util/printable.js';
import { isSecret } from '../util/secret.js';
import { createScope, renderDeep, toPlain, type Scope } from '../vars/scope.js';
import { buildScope, hostvarsOf, scopeVars, type HostRunState, type InventoryView, type RunVars } from './context.js';
import { argumentProblems, findLocal, localSource } from './preflight-args.js';
import { checkRoles } from './preflight-roles.js';
import { PerHost } from './preflight-report.js';
import { hasUnknown, unknownTouches, unknownValue } from './preflight-unknown.js';
import { PredictedState } from './predicted-host.js';
import { taskSelected, type TagFilter } from './play-runner.js';
import { isWithLookup, withItems } from './loop-lookups.js';
import { ANSIBLE_FACT_NAMES } from '../facts/ansible.js';

const FACT_NAMES = ANSIBLE_FACT_NAMES.map((n) => `ansible_${n}`);

function runtimeNames(play: LoadedPlay): Vars {
  const names: Vars = { facts: unknownValue(), ansible_facts: unknownValue() };
  for (const k of FACT_NAMES) names[k] = unknownValue();
  for (const t of flattenTasks([...play.tasks, ...play.handlers])) {
    if (t.register) names[t.register] = unknownValue();
    if (t.module === 'set_fact') for (const k of Object.keys(t.args)) names[k] = unknownValue();
  }
  return names;
}

export interface PreflightInput {
  plays: { play: LoadedPlay; hosts: string[] }[];
  inv: InventoryView;
  run: RunVars;
  tagFilter: TagFilter;
  /** Some input failed to load: checks that need the whole playbook (notify) are left out. */
  partial?: boolean;
}

type ScopeFor = (host: string, task?: Task, extra?: Vars) => Scope;

/** Does `when:` hold (or can it not be known yet)? Errors are problems. */
function mayRun(task: Task, scope: Scope): boolean {
  if (task.when === undefined) return true;
  const before = unknownTouches();
  const holds = evaluateCondition(task.when, scope.context, { origin: task.location });
  return holds || unknownTouches() !== before;
}

function checkLoop(task: Task, scope: Scope): void {
  if (task.loop === undefined) return;
  const opts = { origin: task.location, revealed: scope.revealed };
  const terms = typeof task.loop === 'string' ? toPlain(evaluate(task.loop.trim(), scope.context, opts)) : renderDeep(task.loop, scope, task.location);
  if (hasUnknown(terms)) return;
  const keyword = task.loopWith === undefined ? 'loop' : `with_${task.loopWith}`;
  if (task.loopWith !== undefined && isWithLookup(task.loopWith)) {
    try {
      withItems(task.loopWith, terms);
    } catch (err) {
      throw new InputError(`${keyword}: ${(err as Error).message}`, { code: 'SCHEMA', location: task.location });
    }
    return;
  }
  if (!Array.isArray(terms)) {
    const shown = JSON.stringify(terms) ?? String(terms);
    const hint = typeof terms === 'string' ? ' (write a YAML list, or {{split x ","}} for a comma-separated string)' : '';
    throw new InputError(`${keyword}: expected a list, got ${typeof terms === 'object' && terms !== null ? 'a mapping' : typeof terms} ${shown.slice(0, 80)}${hint}`, { code: 'SCHEMA', location: task.location });
  }
}

const templates = new Map<string, Promise<string | undefined>>();
function readTemplate(path: string): Promise<string | undefined> {
  let p = templates.get(path);
  if (!p) templates.set(path, (p = readFile(path, 'utf8').catch(() => undefined)));
  return p;
}

/** One task on one host: every problem found goes to `found`. */
async function checkTask(task: Task, h: string, scopeFor: ScopeFor, found: PerHost): Promise<void> {
  const what = `task "${task.name}"`;
  const extra: Vars = { [task.loopVar]: unknownValue(), ansible_loop: unknownValue(), ansible_loop_var: task.loopVar };
  if (task.loopControl?.indexVar !== undefined) extra[task.loopControl.indexVar] = unknownValue();
  const scope = scopeFor(h, task, extra);
  const attempt = (fn: () => void): boolean => {
    try {
      fn();
      return true;
    } catch (err) {
      found.add(what, h, err, task.location);
      return false;
    }
  };
  let runs = true;
  if (!attempt(() => (runs = mayRun(task, scope))) || !runs) return;
  if (task.name.includes('{{')) attempt(() => render(task.name, scope.context, { origin: task.location }));
  if (task.loopLabel?.includes('{{')) attempt(() => render(task.loopLabel!, scope.context, { origin: task.location }));
  attempt(() => checkLoop(task, scope));
  if (task.include?.file.includes('{{')) attempt(() => render(task.include!.file, scope.context, { origin: task.location }));
  for (const cond of [task.changedWhen, task.failedWhen, task.until]) {
    if (cond !== undefined) attempt(() => evaluateCondition(cond, scope.context, { origin: task.location }));
  }
  let args: Record<string, unknown> | undefined;
  if (!attempt(() => (args = renderDeep(task.args, scope, task.location, task.locateArg) as Record<string, unknown>)) || !args) return;
  for (const e of await argumentProblems(task, args)) found.add(what, h, e, task.location);
  if (task.module === 'assert') {
    const that = args.that;
    for (const c of Array.isArray(that) ? that : [that]) if (typeof c === 'string' && !hasUnknown(c)) attempt(() => evaluateCondition(c, scope.context, { origin: task.locateArg?.(['that']) ?? task.location }));
  }
  const src = localSource(task, args);
  if (task.module === 'template' && src !== undefined) {
    const path = await findLocal(task, src);
    const text = path === undefined ? undefined : await readTemplate(path);
    if (path !== undefined && text !== undefined) attempt(() => render(text, scope.context, { origin: path }));
  }
}

/** Handler names and listen topics a notify may name. */
function handlerNames(play: LoadedPlay): Set<string> {
  const names = new Set<string>();
  for (const h of play.handlers) {
    names.add(h.name);
    names.add(h.name.replace(/^[^:]+ : /, ''));
    for (const l of h.listen) names.add(l);
  }
  return names;
}

function checkNotify(play: LoadedPlay, tasks: Task[]): void {
  const names = handlerNames(play);
  for (const t of tasks) {
    for (const n of t.notify) {
      if (n.includes('{{') || names.has(n)) continue;
      const known = [...names].slice(0, 8).map((x) => JSON.stringify(x)).join(', ');
      report(new InputError(`task "${printable(t.name)}": notify "${printable(n)}" names no handler of this play${known ? ` (handlers: ${known})` : ' (the play has no handlers)'}`, { code: 'SCHEMA', location: t.location }));
    }
  }
}

/** Connection variables of the wrong type (port "abc", become "maybe"), per host. */
function checkConnections(hosts: string[], inv: InventoryView, found: PerHost): void {
  const known = new Set(inv.hosts());
  for (const h of hosts) {
    if (!known.has(h)) continue;
    try {
      const vars = inv.hostVars(h);
      if (vars.ansible_connection === 'local') continue;
      connectionFor(h, vars);
    } catch (err) {
      found.add('inventory', undefined, err);
    }
  }
}

/** Variables that refer to each other in a cycle (a: "{{b}}", b: "{{a}}"), whether used or not. */
function checkCycles(play: LoadedPlay, hosts: string[], scopeFor: ScopeFor, found: PerHost): void {
  const skip = new Set(['hostvars', 'groups', 'facts', 'ansible_facts']);
  for (const h of hosts) {
    const ctx = scopeFor(h).context;
    for (const k of Object.keys(ctx)) {
      if (skip.has(k)) continue;
      try {
        toPlain(ctx[k]);
      } catch (err) {
        if (err instanceof InputError && err.code === 'VAR_CYCLE') found.add(`play "${play.name}"`, h, err, play.location);
      }
    }
  }
}

async function checkPlays({ plays, inv, run, tagFilter, partial }: PreflightInput): Promise<void> {
  const states = new Map<string, HostRunState>();
  for (const { play, hosts } of plays) {
    const runtime = runtimeNames(play);
    for (const h of hosts) states.set(h, { name: h, registered: { ...runtime }, predicted: new PredictedState(), failed: false, unreachable: false, notified: new Set() });
    // No host's state changes in the preflight: one hostvars for the play, each host's built once.
    const hostvars = hostvarsOf(inv, states, { ...run, revealed: new Set() });
    const scopeFor = scopesFor((host, task, extra) => scopeVars({ inv, run: { ...run, revealed: new Set() }, host, states, playVars: play.vars, playHosts: hosts, role: task?.role, task, extra, hostvars }));
    const found = new PerHost();
    checkConnections(hosts, inv, found);
    checkCycles(play, hosts, scopeFor, found);
    checkRoles(play, hosts, (h, role) => buildScope({ inv, run: { ...run, revealed: new Set() }, host: h, states, playVars: play.vars, playHosts: hosts, role, hostvars }), found);
    for (const [task, outer] of withIncludeLoops([...play.tasks, ...play.handlers], [])) {
      if (task.meta || !taskSelected(task, tagFilter)) continue;
      // The loop variables of the include_tasks around a task are known only per host.
      const unknownOuter: Vars = Object.fromEntries(outer.map((n) => [n, unknownValue()]));
      const sf: ScopeFor = outer.length === 0 ? scopeFor : (host, t, extra) => scopeFor(host, t, { ...unknownOuter, ...extra });
      for (const h of hosts) await checkTask(task, h, sf, found);
    }
    found.flush();
    if (!partial) checkNotify(play, flattenTasks(play.tasks).filter((t) => !t.meta).concat(play.handlers));
  }
}

export async function preflight(input: PreflightInput): Promise<void> {
  if (activeProblems()) await checkPlays(input);
  else await collecting(() => checkPlays(input));
}

/**
 * Scopes for (host, task) pairs. Merging a host's layers costs as much as the play has
 * registered names and inventory variables; most tasks of a play see the same layers (no task
 * vars, unknown loop variables), so the merge is done once per distinct set and each task gets a
 * fresh scope over it (fresh: what a task resolves, and the unknowns it touches, stay its own).
 */
function scopesFor(merge: (host: string, task?: Task, extra?: Vars) => Vars): ScopeFor {
  const merged = new Map<string, Vars>();
  const ids = new WeakMap<object, number>();
  let next = 1;
  const id = (o: object | undefined): number => {
    if (!o) return 0;
    let n = ids.get(o);
    if (n === undefined) ids.set(o, (n = next++));
    return n;
  };
  // Task vars by content (blocks give each task a copy of the same vars); a secret by identity.
  const content = (v: Vars): string =>
    JSON.stringify(v, function (this: Record<string, unknown>, k, x: unknown) {
      const orig = this[k];
      return isSecret(orig) ? `\0secret${id(orig)}` : x;
    });
  return (host, task, extra) => {
    const vars = task?.vars && Object.keys(task.vars).length > 0 ? content(task.vars) : '';
    const loop = extra ? Object.entries(extra).map(([k, v]) => `${k}=${hasUnknown(v) ? '?' : JSON.stringify(v)}`).join(',') : '-';
    const key = `${host}\0${task ? id(task.role) : -1}\0${vars}\0${loop}`;
    let v = merged.get(key);
    if (!v) merged.set(key, (v = merge(host, task, extra)));
    return createScope(v, new Set());
  };
}

/** Each task with the loop variables of the include_tasks around it. */
function* withIncludeLoops(tasks: Task[], outer: string[]): Generator<[Task, string[]]> {
  for (const t of tasks) {
    yield [t, outer];
    if (!t.include?.preloaded) continue;
    const vars = t.loop === undefined ? [] : [t.loopVar, ...(t.loopControl?.indexVar ? [t.loopControl.indexVar] : [])];
    yield* withIncludeLoops(t.include.preloaded, [...outer, ...vars]);
  }
}

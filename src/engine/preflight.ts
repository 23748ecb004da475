/**
 * Before any connection: every task's arguments, `when:` and template files are
 * rendered for every host with the variables known up front, so an undefined
 * variable is reported with its file, line and name before a host is touched.
 * Values that only exist at run time (facts, registered results, loop items) stand
 * in as "unknown" placeholders. Role argument specs are checked here too.
 */
import { InputError } from '../errors.js';
import type { Vars } from '../modules/types.js';
import type { LoadedPlay } from '../playbook/load.js';
import { argumentSpecSchema } from '../playbook/roles.js';
import { ajvToInputError, realErrors, validator } from '../playbook/schema.js';
import { flattenTasks, type Task } from '../playbook/types.js';
import { evaluateCondition, render } from '../template/render.js';
import { renderDeep, toPlain } from '../vars/scope.js';
import { buildScope, type HostRunState, type InventoryView, type RunVars } from './context.js';
import { PredictedState } from './predicted-host.js';
import { taskSelected, type TagFilter } from './play-runner.js';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

/** Stands for any value not known before the run: every property exists and is unknown too. */
function unknownValue(): unknown {
  const target = function unknown() {} as unknown as object;
  const p: object = new Proxy(target, {
    get: (_t, k) => (k === Symbol.toPrimitive || k === 'toString' ? () => '' : k === Symbol.iterator ? [][Symbol.iterator] : typeof k === 'symbol' ? undefined : p),
    has: () => true,
    ownKeys: () => ['prototype'],
    getOwnPropertyDescriptor: (t, k) => Reflect.getOwnPropertyDescriptor(t, k) ?? { value: p, configurable: true, enumerable: false, writable: true },
  });
  return p;
}

function runtimeNames(play: LoadedPlay): Vars {
  const names: Vars = { facts: unknownValue(), ansible_facts: unknownValue() };
  for (const k of ['ansible_hostname', 'ansible_fqdn', 'ansible_default_ipv4', 'ansible_distribution', 'ansible_distribution_version', 'ansible_os_family', 'ansible_service_mgr']) names[k] = unknownValue();
  for (const t of flattenTasks([...play.tasks, ...play.handlers])) {
    if (t.register) names[t.register] = unknownValue();
    if (t.module === 'set_fact') for (const k of Object.keys(t.args)) names[k] = unknownValue();
  }
  return names;
}

const isUndefinedVar = (e: unknown): e is InputError => e instanceof InputError && e.code === 'UNDEFINED_VAR';

function withLocation(err: InputError, task: Task, host: string): InputError {
  const loc = task.location;
  return new InputError(`task "${task.name}" on host ${host}: ${err.message}`, { code: 'UNDEFINED_VAR', location: err.location?.line ? err.location : loc, cause: err });
}

async function readTemplate(task: Task, src: string): Promise<{ path: string; text: string } | undefined> {
  const candidates = isAbsolute(src) ? [src] : task.searchPaths.map((d) => join(d, src));
  for (const p of candidates) {
    try {
      return { path: p, text: await readFile(p, 'utf8') };
    } catch {
      /* next */
    }
  }
  return undefined;
}

export interface PreflightInput {
  plays: { play: LoadedPlay; hosts: string[] }[];
  inv: InventoryView;
  run: RunVars;
  tagFilter: TagFilter;
}

export async function preflight({ plays, inv, run, tagFilter }: PreflightInput): Promise<void> {
  const placeholderStates = new Map<string, HostRunState>();
  for (const { play, hosts } of plays) {
    const runtime = runtimeNames(play);
    for (const h of hosts) {
      placeholderStates.set(h, { name: h, registered: { ...runtime }, predicted: new PredictedState(), failed: false, unreachable: false, notified: new Set() });
    }
    const scopeFor = (host: string, task?: Task, role = task?.role, extra?: Vars) =>
      buildScope({ inv, run: { ...run, revealed: new Set() }, host, states: placeholderStates, playVars: play.vars, playHosts: hosts, role, task, extra });

    // Role argument specs, per host.
    for (const role of play.loadedRoles) {
      if (!role.argumentSpec) continue;
      const schema = argumentSpecSchema(role.argumentSpec);
      for (const h of hosts) {
        const scope = scopeFor(h, undefined, role.ref);
        const values: Record<string, unknown> = {};
        for (const k of Object.keys(role.argumentSpec)) {
          try {
            const v = (scope.context as Record<string, unknown>)[k];
            if (v !== undefined) values[k] = toPlain(v);
          } catch (err) {
            if (isUndefinedVar(err)) throw new InputError(`role "${role.ref.name}" option "${k}" on host ${h}: ${err.message}`, { code: 'UNDEFINED_VAR', location: role.usedAt });
            throw err;
          }
        }
        const v = validator(schema, false);
        if (!v(values)) {
          const errs = realErrors(v.errors ?? [], values);
          if (errs.length > 0) throw ajvToInputError(errs, undefined, [], `role "${role.ref.name}" argument spec (host ${h})`, role.usedAt.file);
        }
      }
    }

    for (const [task, outer] of withIncludeLoops([...play.tasks, ...play.handlers], [])) {
      if (task.meta || !taskSelected(task, tagFilter)) continue;
      for (const h of hosts) {
        const extra: Vars = { ansible_loop: unknownValue(), ansible_loop_var: task.loopVar };
        for (const name of [...outer, task.loopVar]) extra[name] = unknownValue();
        if (task.loopControl?.indexVar !== undefined) extra[task.loopControl.indexVar] = unknownValue();
        const scope = scopeFor(h, task, task.role, extra);
        try {
          if (task.when !== undefined && !evaluateCondition(task.when, scope.context, { origin: task.location })) continue;
        } catch (err) {
          if (isUndefinedVar(err)) throw withLocation(err, task, h);
          continue;
        }
        try {
          const args = renderDeep(task.args, scope, task.location, task.locateArg) as Record<string, unknown>;
          if (task.module === 'template' && typeof args.src === 'string' && !args.src.includes('[object')) {
            const tpl = await readTemplate(task, args.src);
            if (tpl) render(tpl.text, scope.context, { origin: tpl.path });
          }
        } catch (err) {
          if (isUndefinedVar(err)) throw withLocation(err, task, h);
        }
      }
    }
  }
}

/** Each task with the loop variables of the include_tasks around it (known only per host). */
function* withIncludeLoops(tasks: Task[], outer: string[]): Generator<[Task, string[]]> {
  for (const t of tasks) {
    yield [t, outer];
    if (!t.include?.preloaded) continue;
    const vars = t.loop === undefined ? [] : [t.loopVar, ...(t.loopControl?.indexVar ? [t.loopControl.indexVar] : [])];
    yield* withIncludeLoops(t.include.preloaded, [...outer, ...vars]);
  }
}

/**
 * Task lists: one YAML list → validated Task objects. Blocks and import_tasks are
 * flattened here (static); include_tasks stays one task that the engine expands per host.
 */
import { dirname, resolve } from 'node:path';
import { InputError, type SourceLocation } from '../errors.js';
import { getModule, moduleNames } from '../modules/registry.js';
import type { Vars } from '../modules/types.js';
import type { YamlDoc, YamlPath } from '../util/yaml.js';
import { loadImport, type ImportChain } from './import-chain.js';
import { check, TASK_KEYWORDS, taskSchema } from './schema.js';
import type { BlockFrame, LoopControl, RoleRef, Task } from './types.js';
import { loopKeyword } from './loops.js';
import { stringArgs } from './kv.js';
import { dynamicInclude } from './include-tasks.js';
import { tolerate } from '../util/problems.js';

/** An include_role/import_role entry, loaded by the playbook loader (it knows the role path). */
export interface RoleInclude {
  name: string;
  tasksFrom?: string;
  handlersFrom?: string;
  defaultsFrom?: string;
  varsFrom?: string;
  params: Vars;
  when?: unknown;
  tags: string[];
}

export type RoleTaskLoader = (inc: RoleInclude, usedAt: SourceLocation, inherited: TaskContext['inherited'], chain: ImportChain) => Promise<Task[]>;

/** The chain of files open at `ctx` (its own file last). */
export const chainOf = (ctx: TaskContext): ImportChain => ctx.chain ?? [ctx.file];

let nextBlockId = 1;

export interface TaskContext {
  file: string;
  doc: YamlDoc;
  role?: RoleRef;
  searchPaths: string[];
  /** Inherited from enclosing blocks / imports. */
  inherited: {
    when: unknown[];
    tags: string[];
    become?: boolean;
    becomeUser?: string;
    becomeMethod?: 'sudo' | 'su';
    becomeFlags?: string;
    vars: Vars;
    noLog?: boolean;
    environment?: unknown[];
    blocks?: BlockFrame[];
    runOnce?: boolean;
    delegateTo?: string;
    anyErrorsFatal?: boolean;
  };
  handlers: boolean;
  /** Loads the tasks of an include_role/import_role (set by the playbook loader). */
  loadRoleTasks?: RoleTaskLoader;
  /** Depth guard for include_tasks loaded at run time. */
  depth: number;
  /** The files being loaded above this list, outermost first, ending with `file` (default [file]). */
  chain?: ImportChain;
}

const KEYWORDS = new Set<string>(TASK_KEYWORDS);

function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

function bool(v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  const s = String(v).toLowerCase();
  return s === 'true' || s === 'yes' || s === '1' || s === 'on';
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

export function suggest(name: string, choices: string[]): string {
  const best = choices.map((c) => [c, distance(name, c)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 ? ` (did you mean "${best[0]}"?)` : '';
}

function loopControlOf(raw: unknown): LoopControl | undefined {
  if (raw === undefined || raw === null) return undefined;
  const c = raw as Record<string, unknown>;
  return {
    indexVar: c.index_var as string | undefined,
    extended: bool(c.extended),
    extendedAllitems: bool(c.extended_allitems),
    pause: c.pause === undefined ? undefined : Number(c.pause),
  };
}

/** `local_action: MODULE ARGS` (or `{module: M, ...args}`) = the module with delegate_to: localhost. */
function localAction(t: Record<string, unknown>, ctx: TaskContext, path: YamlPath): Record<string, unknown> {
  const { local_action: la, ...rest } = t;
  const bad = (): InputError => new InputError('local_action: expected "MODULE ARGS" or a mapping with module:', { code: 'SCHEMA', location: ctx.doc.locate([...path, 'local_action']) });
  if (typeof la === 'string') {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(la);
    if (!m) throw bad();
    return { ...rest, delegate_to: 'localhost', [m[1]!]: m[2] === '' ? null : m[2] };
  }
  if (la !== null && typeof la === 'object' && !Array.isArray(la) && typeof (la as { module?: unknown }).module === 'string') {
    const { module, ...args } = la as Record<string, unknown>;
    return { ...rest, delegate_to: 'localhost', [module as string]: args };
  }
  throw bad();
}

export async function loadTaskList(raw: unknown, path: YamlPath, ctx: TaskContext): Promise<Task[]> {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new InputError('a task list must be a YAML list', { code: 'SCHEMA', location: ctx.doc.locate(path) });
  }
  const out: Task[] = [];
  // Each task on its own: under `validate` a broken one is recorded and the others still load.
  for (let i = 0; i < raw.length; i++) out.push(...(await tolerate(() => loadTask(raw[i], [...path, i], ctx), [])));
  return out;
}

async function loadTask(raw: unknown, path: YamlPath, ctx: TaskContext): Promise<Task[]> {
  const location: SourceLocation = ctx.doc.locate(path);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError('a task must be a mapping (name: ..., MODULE: args)', { code: 'SCHEMA', location });
  }
  const t = raw as Record<string, unknown>;
  check(taskSchema, t, ctx.doc, path, 'task', ctx.file);
  const inh = ctx.inherited;
  const when = [...inh.when, ...(t.when !== undefined ? [t.when] : [])];
  const tags = [...new Set([...inh.tags, ...asList(t.tags)])];
  const become = bool(t.become) ?? inh.become;
  const becomeUser = (t.become_user as string | undefined) ?? inh.becomeUser;
  const becomeMethod = (t.become_method as 'sudo' | 'su' | undefined) ?? inh.becomeMethod;
  const becomeFlags = (t.become_flags as string | undefined) ?? inh.becomeFlags;
  const environment = [...(inh.environment ?? []), ...(t.environment !== undefined ? [t.environment] : [])];
  const vars = { ...inh.vars, ...((t.vars as Vars | undefined) ?? {}) };
  const noLog = bool(t.no_log) ?? inh.noLog;
  const runOnce = bool(t.run_once) ?? inh.runOnce;
  const delegateTo = (t.delegate_to as string | undefined) ?? inh.delegateTo;
  const anyErrorsFatal = bool(t.any_errors_fatal) ?? inh.anyErrorsFatal;
  const inherited = { when, tags, become, becomeUser, becomeMethod, becomeFlags, vars, noLog, environment, blocks: inh.blocks, runOnce, delegateTo, anyErrorsFatal };

  if (t.block !== undefined) {
    if (!Array.isArray(t.block)) throw new InputError('block: expected a list of tasks', { code: 'SCHEMA', location: ctx.doc.locate([...path, 'block']) });
    const id = nextBlockId++;
    const hasRescue = Array.isArray(t.rescue) && t.rescue.length > 0;
    const hasAlways = Array.isArray(t.always) && t.always.length > 0;
    const part = async (key: 'block' | 'rescue' | 'always'): Promise<Task[]> =>
      loadTaskList(t[key], [...path, key], {
        ...ctx,
        inherited: { ...inherited, blocks: [...(inh.blocks ?? []), { id, part: key, hasRescue, hasAlways }] },
      });
    return [...(await part('block')), ...(await part('rescue')), ...(await part('always'))];
  }
  if (t.rescue !== undefined || t.always !== undefined) {
    throw new InputError('rescue/always belong to a block: (block: [...], rescue: [...], always: [...])', {
      code: 'SCHEMA',
      location: ctx.doc.locateKey([...path, t.rescue !== undefined ? 'rescue' : 'always']),
    });
  }
  const roleInc = (t.include_role ?? t.import_role) as Record<string, unknown> | undefined;
  if (roleInc !== undefined) {
    const key = t.include_role !== undefined ? 'include_role' : 'import_role';
    if (!ctx.loadRoleTasks) throw new InputError(`${key} is not allowed here`, { code: 'SCHEMA', location });
    if (roleInc === null || typeof roleInc !== 'object' || typeof roleInc.name !== 'string') {
      throw new InputError(`${key}: expected a mapping with name: ROLE`, { code: 'SCHEMA', location: ctx.doc.locate([...path, key]) });
    }
    for (const k of Object.keys(roleInc)) {
      if (!['name', 'tasks_from', 'handlers_from', 'defaults_from', 'vars_from', 'public', 'apply', 'allow_duplicates', 'rolespec_validate'].includes(k)) {
        throw new InputError(`${key}: unknown option "${k}"`, { code: 'SCHEMA', location: ctx.doc.locateKey([...path, key, k]) });
      }
    }
    return ctx.loadRoleTasks(
      {
        name: roleInc.name,
        tasksFrom: roleInc.tasks_from as string | undefined,
        handlersFrom: roleInc.handlers_from as string | undefined,
        defaultsFrom: roleInc.defaults_from as string | undefined,
        varsFrom: roleInc.vars_from as string | undefined,
        params: (t.vars as Vars | undefined) ?? {},
        tags,
      },
      location,
      { ...inherited, vars: inh.vars },
      chainOf(ctx),
    );
  }
  const include = t.import_tasks as string | undefined;
  if (include !== undefined) {
    const base = ctx.role ? resolve(ctx.role.path, 'tasks') : dirname(ctx.file);
    const file = resolve(base, include);
    const doc = await loadImport('import_tasks', file, location, chainOf(ctx));
    return loadTaskList(doc.data, [], {
      ...ctx,
      file,
      doc,
      chain: [...chainOf(ctx), file],
      inherited,
    });
  }

  if (t.local_action !== undefined) return loadTask(localAction(t, ctx, path), path, ctx);
  const { loop, loopWith } = loopKeyword(t, (k) => ctx.doc.locateKey([...path, k]));
  const moduleKeys = Object.keys(t).filter((k) => !KEYWORDS.has(k) && !k.startsWith('with_'));
  if (t.meta !== undefined) moduleKeys.unshift('meta');
  if (t.include_tasks !== undefined) moduleKeys.unshift('include_tasks');
  if (moduleKeys.length === 0) {
    throw new InputError('task has no module (expected one key such as copy:, file:, command:)', { code: 'SCHEMA', location });
  }
  if (moduleKeys.length > 1) {
    const extra = moduleKeys.filter((k) => k !== 'meta' && k !== 'include_tasks');
    if (t.meta !== undefined || t.include_tasks !== undefined || extra.length > 1) {
      throw new InputError(`task has several modules or unknown keywords: ${moduleKeys.join(', ')}`, {
        code: 'SCHEMA',
        location: ctx.doc.locateKey([...path, moduleKeys[1]!]),
      });
    }
  }
  const moduleName = moduleKeys[0]!;
  const name = typeof t.name === 'string' ? t.name : moduleName;
  const label = ctx.role ? `${ctx.role.name} : ${name}` : name;
  const common = {
    name: label,
    when: when.length === 0 ? undefined : when.length === 1 ? when[0] : when,
    loop,
    loopWith,
    loopVar: (t.loop_control as { loop_var?: string } | undefined)?.loop_var ?? 'item',
    loopLabel: (t.loop_control as { label?: string } | undefined)?.label,
    loopControl: loopControlOf(t.loop_control),
    register: t.register as string | undefined,
    notify: asList(t.notify),
    listen: asList(t.listen),
    tags,
    become,
    becomeUser,
    becomeMethod,
    becomeFlags,
    environment: environment.length > 0 ? environment : undefined,
    ignoreErrors: bool(t.ignore_errors) ?? false,
    changedWhen: t.changed_when,
    until: t.until,
    retries: t.retries === undefined ? 3 : Number(t.retries),
    delayS: t.delay === undefined ? 5 : Number(t.delay),
    failedWhen: t.failed_when,
    vars,
    noLog: noLog ?? false,
    checkMode: t.check_mode as boolean | undefined,
    role: ctx.role,
    searchPaths: ctx.searchPaths,
    location,
    blocks: inh.blocks,
    throttle: t.throttle === undefined ? undefined : Number(t.throttle),
    runOnce,
    delegateTo,
    anyErrorsFatal,
  };
  if (moduleName === 'include_tasks') {
    return [{ ...common, module: 'include_tasks', args: {}, include: await dynamicInclude(t, path, ctx, inherited) }];
  }
  if (moduleName === 'meta') {
    return [{ ...common, module: 'meta', args: {}, meta: t.meta as Task['meta'] }];
  }
  const mod = getModule(moduleName);
  if (!mod) {
    throw new InputError(`unknown module "${moduleName}"${suggest(moduleName, moduleNames())}`, {
      code: 'SCHEMA',
      location: ctx.doc.locateKey([...path, moduleName]),
    });
  }
  const rawArgs = t[moduleName];
  let args: Record<string, unknown>;
  if (rawArgs === null || rawArgs === undefined) args = {};
  else if (typeof rawArgs === 'string') {
    try {
      args = stringArgs(mod, rawArgs);
    } catch (err) {
      throw new InputError(`module "${moduleName}": ${(err as Error).message}`, { code: 'SCHEMA', location: ctx.doc.locate([...path, moduleName]), cause: err });
    }
  } else if (typeof rawArgs === 'object' && !Array.isArray(rawArgs)) args = { ...(rawArgs as Record<string, unknown>) };
  else {
    throw new InputError(`module "${moduleName}" arguments must be a mapping`, { code: 'SCHEMA', location: ctx.doc.locate([...path, moduleName]) });
  }
  if (typeof t.args === 'string') args = { ...stringArgs(mod, t.args), ...args };
  else if (t.args && typeof t.args === 'object') args = { ...(t.args as Record<string, unknown>), ...args };
  const argsBase = typeof rawArgs === 'object' && rawArgs !== null ? [...path, moduleName] : path;
  check(mod.args as object, args, ctx.doc, argsBase, `module "${moduleName}"`, ctx.file);
  const doc = ctx.doc;
  // The canonical name: `ansible.builtin.copy`, `ansible.legacy.copy` and aliases run as `copy`.
  return [{ ...common, module: mod.name, args, locateArg: (p) => doc.locate([...argsBase, ...p]) }];
}

/**
 * include_tasks: dynamic, as Ansible 2.14 runs it. The file name may be templated and the
 * include may loop; `when` is decided per host (and per item) by the engine, once, for the
 * include itself: it is not copied onto the included tasks. The included tasks inherit what
 * encloses the include (blocks, role), the include's `vars`, and the keywords under
 * `apply:`. A file name without a template is loaded at load time as well, so `validate`
 * reports its errors before any host is contacted.
 */
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { Vars } from '../modules/types.js';
import type { YamlPath } from '../util/yaml.js';
import { importCycle, loadImport } from './import-chain.js';
import type { IncludeTasks, Task } from './types.js';
import { chainOf, loadTaskList, type TaskContext } from './tasks.js';

const APPLY_KEYS = new Set(['tags', 'become', 'become_user', 'environment', 'vars', 'no_log', 'when']);

export async function dynamicInclude(t: Record<string, unknown>, path: YamlPath, ctx: TaskContext, inherited: TaskContext['inherited']): Promise<IncludeTasks> {
  const raw = t.include_tasks as string | { file: string; apply?: Record<string, unknown> };
  const file = typeof raw === 'string' ? raw : raw.file;
  const apply = typeof raw === 'string' ? {} : (raw.apply ?? {});
  for (const k of Object.keys(apply)) {
    if (!APPLY_KEYS.has(k)) throw new InputError(`include_tasks: apply: unsupported keyword "${k}"`, { code: 'SCHEMA', location: ctx.doc.locateKey([...path, 'include_tasks', 'apply', k]) });
  }
  const inh = ctx.inherited;
  const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
  const child: TaskContext['inherited'] = {
    ...inherited,
    when: [...inh.when, ...(apply.when !== undefined ? [apply.when] : [])],
    tags: [...new Set([...inh.tags, ...list(apply.tags)])],
    become: apply.become === undefined ? inh.become : apply.become === true || String(apply.become) === 'true',
    becomeUser: (apply.become_user as string | undefined) ?? inh.becomeUser,
    environment: [...(inh.environment ?? []), ...(apply.environment !== undefined ? [apply.environment] : [])],
    vars: { ...inherited.vars, ...((apply.vars as Vars | undefined) ?? {}) },
    noLog: apply.no_log === undefined ? inh.noLog : apply.no_log === true,
  };
  const base = ctx.role ? resolve(ctx.role.path, 'tasks') : dirname(ctx.file);
  const location = ctx.doc.locate([...path, 'include_tasks']);
  const cache = new Map<string, Promise<Task[]>>();
  const load = (name: string): Promise<Task[]> => {
    const target = resolve(base, name);
    let loaded = cache.get(target);
    if (!loaded) {
      if (ctx.depth > 20) throw new InputError(`include_tasks nested too deep (a cycle?): ${name}`, { code: 'SCHEMA', location });
      loaded = loadImport('include_tasks', target, location, []).then((doc) => loadTaskList(doc.data, [], { ...ctx, file: target, doc, depth: ctx.depth + 1, chain: [target], inherited: child }));
      cache.set(target, loaded);
    }
    return loaded;
  };
  if (file.includes('{{')) return { file, load };
  // Loaded ahead (validate sees it), unless it includes itself: a recursion that a `when:` may end
  // is Ansible's to run (loaded per host at run time); one with no `when:` at all never ends.
  const target = resolve(base, file);
  const cycle = importCycle(chainOf(ctx), target);
  if (cycle) {
    if (t.when === undefined && inh.when.length === 0) {
      throw new InputError(`include_tasks cycle with no when: to end it: ${cycle}`, { code: 'SCHEMA', location });
    }
    return { file, load };
  }
  const doc = await loadImport('include_tasks', target, location, chainOf(ctx));
  const preloaded = loadTaskList(doc.data, [], { ...ctx, file: target, doc, depth: ctx.depth + 1, chain: [...chainOf(ctx), target], inherited: child });
  cache.set(target, preloaded);
  return { file, load, preloaded: await preloaded };
}

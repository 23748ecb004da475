/**
 * Roles: roles/NAME/{tasks,handlers,defaults,vars,templates,files,meta}. Found in the
 * playbook's roles/, beside the playbook, in roles_path, and in hostforge's own roles/.
 * meta/main.yaml holds dependencies and an Ansible-style argument_specs.
 */
import { exists } from '../util/path-kind.js';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, type SourceLocation } from '../errors.js';
import type { Vars } from '../modules/types.js';
import { loadYamlFile, type YamlDoc } from '../util/yaml.js';
import { check, roleMetaSchema } from './schema.js';
import { loadTaskList, type RoleTaskLoader } from './tasks.js';
import type { RoleRef, Task } from './types.js';

/** hostforge's bundled roles (…/roles beside dist/ or src/). */
export const BUNDLED_ROLES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'roles');

export interface ArgumentOption {
  type?: 'str' | 'int' | 'float' | 'bool' | 'list' | 'dict' | 'path' | 'raw';
  required?: boolean;
  default?: unknown;
  choices?: unknown[];
  elements?: string;
  no_log?: boolean;
}

export interface LoadedRole {
  ref: RoleRef;
  tasks: Task[];
  handlers: Task[];
  argumentSpec?: Record<string, ArgumentOption>;
  /** Where the role was used, for messages. */
  usedAt: SourceLocation;
}


/** DIR/NAME.yaml, .yml or NAME (Ansible's tasks/main.yml lookup, also for tasks_from: NAME). */
export async function findMain(dir: string, name = 'main'): Promise<string | undefined> {
  for (const f of [`${name}.yaml`, `${name}.yml`, name]) if (await exists(join(dir, f))) return join(dir, f);
  return undefined;
}

export async function loadVarsFile(dir: string, name = 'main'): Promise<Vars> {
  const f = await findMain(dir, name);
  if (!f) return {};
  const doc = await loadYamlFile(f);
  if (doc.data === null || doc.data === undefined) return {};
  if (typeof doc.data !== 'object' || Array.isArray(doc.data)) {
    throw new InputError('a vars file must be a mapping', { code: 'SCHEMA', location: { file: f, line: 1, column: 1 } });
  }
  return doc.data as Vars;
}

export async function findRole(name: string, searchDirs: string[], usedAt: SourceLocation): Promise<string> {
  if (name.includes('/')) {
    const p = resolve(dirname(usedAt.file), name);
    if (await exists(p)) return p;
  }
  for (const d of searchDirs) {
    const p = join(d, name);
    try {
      if ((await stat(p)).isDirectory()) return p;
    } catch {
      /* next */
    }
  }
  throw new InputError(`role "${name}" not found (searched: ${searchDirs.join(', ')})`, { code: 'SCHEMA', location: usedAt });
}

export interface RoleEntry {
  name: string;
  params: Vars;
  tags: string[];
  when?: unknown;
}

export function parseRoleEntry(raw: unknown): RoleEntry {
  if (typeof raw === 'string') return { name: raw, params: {}, tags: [] };
  const o = raw as Record<string, unknown>;
  const name = String(o.role ?? o.name);
  const params: Vars = { ...((o.vars as Vars | undefined) ?? {}) };
  for (const [k, v] of Object.entries(o)) if (!['role', 'name', 'vars', 'tags', 'when'].includes(k)) params[k] = v;
  const tags = o.tags === undefined ? [] : Array.isArray(o.tags) ? o.tags.map(String) : [String(o.tags)];
  return { name, params, tags, when: o.when };
}

/**
 * Load a role and, first, its dependencies (each role once per play for the same
 * parameters, like Ansible). Returns roles in execution order.
 */
export async function loadRole(
  entry: RoleEntry,
  searchDirs: string[],
  usedAt: SourceLocation,
  seen: Map<string, LoadedRole>,
  stack: string[] = [],
  loadRoleTasks?: RoleTaskLoader,
): Promise<LoadedRole[]> {
  const key = `${entry.name} ${JSON.stringify(entry.params)}`;
  if (seen.has(key)) return [];
  if (stack.includes(entry.name)) {
    throw new InputError(`role dependency cycle: ${[...stack, entry.name].join(' -> ')}`, { code: 'SCHEMA', location: usedAt });
  }
  const path = await findRole(entry.name, searchDirs, usedAt);
  const out: LoadedRole[] = [];

  let argumentSpec: Record<string, ArgumentOption> | undefined;
  const metaFile = await findMain(join(path, 'meta'));
  let metaDoc: YamlDoc | undefined;
  if (metaFile) {
    metaDoc = await loadYamlFile(metaFile);
    const meta = (metaDoc.data ?? {}) as Record<string, unknown>;
    check(roleMetaSchema, meta, metaDoc, [], `role "${entry.name}" meta`, metaFile);
    const deps = (meta.dependencies as unknown[] | undefined) ?? [];
    for (let i = 0; i < deps.length; i++) {
      const dep = parseRoleEntry(deps[i]);
      out.push(...(await loadRole(dep, searchDirs, metaDoc.locate(['dependencies', i]), seen, [...stack, entry.name], loadRoleTasks)));
    }
    const specs = meta.argument_specs as Record<string, { options?: Record<string, ArgumentOption> }> | undefined;
    argumentSpec = specs?.main?.options;
  }

  const defaults = await loadVarsFile(join(path, 'defaults'));
  // Defaults declared in the argument spec count as role defaults too.
  for (const [k, opt] of Object.entries(argumentSpec ?? {})) if (opt.default !== undefined && !(k in defaults)) defaults[k] = opt.default;
  const ref: RoleRef = {
    name: entry.name,
    path,
    defaults,
    vars: await loadVarsFile(join(path, 'vars')),
    params: entry.params,
  };
  const searchPaths = [join(path, 'templates'), join(path, 'files'), path];
  const inherited = { when: entry.when !== undefined ? [entry.when] : [], tags: entry.tags, vars: {} };
  const load = async (sub: string, handlers: boolean): Promise<Task[]> => {
    const f = await findMain(join(path, sub));
    if (!f) return [];
    const doc = await loadYamlFile(f);
    return loadTaskList(doc.data, [], { file: f, doc, role: ref, searchPaths, inherited, handlers, depth: 0, loadRoleTasks });
  };
  const role: LoadedRole = { ref, tasks: await load('tasks', false), handlers: await load('handlers', true), argumentSpec, usedAt };
  seen.set(key, role);
  out.push(role);
  return out;
}

const TYPE_MAP: Record<string, object> = {
  str: { type: 'string' },
  path: { type: 'string' },
  int: { type: 'integer' },
  float: { type: 'number' },
  bool: { type: 'boolean' },
  list: { type: 'array' },
  dict: { type: 'object' },
  raw: {},
};

/** Ansible argument_specs → a JSON schema for ajv. */
export function argumentSpecSchema(spec: Record<string, ArgumentOption>): object {
  const properties: Record<string, object> = {};
  const required: string[] = [];
  for (const [k, o] of Object.entries(spec)) {
    const s: Record<string, unknown> = { ...(TYPE_MAP[o.type ?? 'raw'] ?? {}) };
    if (o.choices) s.enum = o.choices;
    if (o.type === 'list' && o.elements && TYPE_MAP[o.elements]) s.items = TYPE_MAP[o.elements];
    properties[k] = s;
    if (o.required) required.push(k);
  }
  return { type: 'object', properties, required };
}

/**
 * Playbook loading: plays, vars_files, roles, tasks, handlers — all validated with
 * ajv before anything connects. No execution happens here.
 */
import { dirname, join, resolve } from 'node:path';
import { InputError, type SourceLocation } from '../errors.js';
import { loadImport, type ImportChain } from './import-chain.js';
import type { Vars } from '../modules/types.js';
import { loadYamlFile, type YamlDoc } from '../util/yaml.js';
import { BUNDLED_ROLES, loadRole, parseRoleEntry, type LoadedRole } from './roles.js';
import { checkLenient, playSchema } from './schema.js';
import { loadTaskList, type TaskContext } from './tasks.js';
import { roleIncluder } from './include-role.js';
import type { Play, Playbook, Task } from './types.js';
import { tolerate } from '../util/problems.js';

export interface LoadOptions {
  /** Extra role directories (roles_path). */
  rolesPath?: string[];
}

export interface LoadedPlay extends Play {
  loadedRoles: LoadedRole[];
}

export interface LoadedPlaybook extends Playbook {
  plays: LoadedPlay[];
}

function bool(v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  return ['true', 'yes', '1', 'on'].includes(String(v).toLowerCase());
}

function list(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

export function roleSearchDirs(playbookDir: string, extra: string[] = []): string[] {
  const env = (process.env.HOSTFORGE_ROLES_PATH ?? '').split(':').filter(Boolean);
  return [join(playbookDir, 'roles'), playbookDir, ...extra, ...env, BUNDLED_ROLES];
}

export async function loadPlaybook(file: string, opts: LoadOptions = {}, imported?: { chain: ImportChain; at: SourceLocation }): Promise<LoadedPlaybook> {
  const path = resolve(file);
  const dir = dirname(path);
  const chain = [...(imported?.chain ?? []), path];
  const doc = imported ? await loadImport('import_playbook', path, imported.at, imported.chain) : await loadYamlFile(path);
  if (!Array.isArray(doc.data)) {
    throw new InputError('a playbook must be a YAML list of plays', { code: 'SCHEMA', location: doc.locate([]) });
  }
  const plays: LoadedPlay[] = [];
  for (let i = 0; i < doc.data.length; i++) {
    const raw = doc.data[i] as Record<string, unknown> | null;
    if (raw && typeof raw === 'object' && 'import_playbook' in raw) {
      const at = doc.locate([i, 'import_playbook']);
      const sub = await tolerate(() => loadPlaybook(resolve(dir, String(raw.import_playbook)), opts, { chain, at }), undefined);
      plays.push(...(sub?.plays ?? []));
      continue;
    }
    const play = await tolerate(() => loadPlay(raw, i, doc, path, opts), undefined);
    if (play) plays.push(play);
  }
  return { file: path, dir, plays };
}

async function loadVarsFiles(files: string[], dir: string, doc: YamlDoc, at: (string | number)[]): Promise<Vars> {
  const vars: Vars = {};
  for (const [i, f] of files.entries()) {
    if (f.includes('{{')) {
      throw new InputError(`vars_files entries cannot be templates: ${f}`, { code: 'SCHEMA', location: doc.locate(at) });
    }
    const d = await loadImport('vars_files', resolve(dir, f), doc.locate([...at, i]), []);
    if (d.data && typeof d.data === 'object' && !Array.isArray(d.data)) Object.assign(vars, d.data);
    else if (d.data !== null && d.data !== undefined) {
      throw new InputError('a vars file must be a mapping', { code: 'SCHEMA', location: d.locate([]) });
    }
  }
  return vars;
}

async function loadPlay(raw: unknown, index: number, doc: YamlDoc, file: string, opts: LoadOptions): Promise<LoadedPlay> {
  const location = doc.locate([index]);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError('a play must be a mapping with hosts:', { code: 'SCHEMA', location });
  }
  checkLenient(playSchema, raw, doc, [index], 'play', file);
  const p = raw as Record<string, unknown>;
  const dir = dirname(file);
  const base: Omit<TaskContext, 'handlers'> = {
    file,
    doc,
    searchPaths: [join(dir, 'templates'), join(dir, 'files'), dir],
    inherited: { when: [], tags: list(p.tags), vars: {}, anyErrorsFatal: p.any_errors_fatal === undefined ? undefined : bool(p.any_errors_fatal, false) },
    depth: 0,
  };
  const seen = new Map<string, LoadedRole>();
  const searchDirs = roleSearchDirs(dir, opts.rolesPath);
  const includedHandlers: Task[] = [];
  base.loadRoleTasks = roleIncluder(searchDirs, includedHandlers);
  const loadedRoles: LoadedRole[] = [];
  const rolesRaw = (p.roles as unknown[] | undefined) ?? [];
  for (let r = 0; r < rolesRaw.length; r++) {
    const entry = parseRoleEntry(rolesRaw[r]);
    entry.tags = [...list(p.tags), ...entry.tags];
    loadedRoles.push(...(await tolerate(() => loadRole(entry, searchDirs, doc.locate([index, 'roles', r]), seen, [], base.loadRoleTasks), [])));
  }
  const section = (key: string, handlers = false): Promise<Task[]> =>
    loadTaskList(p[key], [index, key], { ...base, handlers });

  const preTasks = await section('pre_tasks');
  const tasks: Task[] = [
    ...preTasks,
    ...(preTasks.length > 0 ? [flushHandlers(location)] : []),
    ...loadedRoles.flatMap((r) => r.tasks),
    ...(await section('tasks')),
    ...(await section('post_tasks')),
  ];
  const handlers: Task[] = [...loadedRoles.flatMap((r) => r.handlers), ...(await section('handlers', true)), ...includedHandlers];
  const hosts = Array.isArray(p.hosts) ? (p.hosts as string[]).join(':') : String(p.hosts);
  const varsFiles = list(p.vars_files);
  const serial = p.serial === undefined ? undefined : Array.isArray(p.serial) ? (p.serial as (number | string)[]) : [p.serial as number | string];
  return {
    name: typeof p.name === 'string' ? p.name : hosts,
    hosts,
    become: p.become === undefined ? undefined : bool(p.become, false),
    becomeUser: p.become_user as string | undefined,
    becomeMethod: p.become_method as Play['becomeMethod'],
    becomeFlags: p.become_flags as string | undefined,
    environment: p.environment,
    gatherFacts: bool(p.gather_facts, true),
    serial,
    maxFailPercentage: p.max_fail_percentage as number | undefined,
    order: p.order as Play['order'],
    vars: { ...((p.vars as Vars | undefined) ?? {}), ...(await loadVarsFiles(varsFiles, dir, doc, [index, 'vars_files'])) },
    varsFiles,
    ...(Array.isArray(p.vars_prompt)
      ? {
          varsPrompt: (p.vars_prompt as Record<string, unknown>[]).map((v, k) => ({
            name: String(v.name),
            prompt: typeof v.prompt === 'string' ? v.prompt : String(v.name),
            private: bool(v.private, true),
            ...(v.default === undefined || v.default === null ? {} : { default: String(v.default) }),
            confirm: bool(v.confirm, false),
            location: doc.locate([index, 'vars_prompt', k]),
          })),
        }
      : {}),
    tasks,
    handlers,
    tags: list(p.tags),
    roles: loadedRoles.map((r) => r.ref),
    loadedRoles,
    location,
  };
}

function flushHandlers(location: Task['location']): Task {
  return {
    name: 'flush handlers',
    module: 'meta',
    meta: 'flush_handlers',
    args: {},
    loopVar: 'item',
    notify: [],
    listen: [],
    tags: ['always'],
    ignoreErrors: false,
    retries: 0,
    delayS: 0,
    vars: {},
    noLog: false,
    searchPaths: [],
    location,
  };
}

/**
 * Checks of a task's rendered arguments that need no host: the module's schema again on
 * the rendered values (a templated `state:` or `mode:` is only known now), modes, ports and
 * regular expressions that cannot work, and bastion files (`src:`) that do not exist.
 * Values not known before the run (see preflight-unknown) are never judged.
 */
import { exists } from '../util/path-kind.js';
import { isAbsolute, join } from 'node:path';
import { InputError, type SourceLocation } from '../errors.js';
import { getModule } from '../modules/registry.js';
import { parseMode } from '../modules/support/mode.js';
import { pyRegex } from '../modules/text/pyregex.js';
import { describeAjvError, realErrors, validator } from '../playbook/schema.js';
import type { Task } from '../playbook/types.js';
import { hasUnknown } from './preflight-unknown.js';

type Locate = (path: (string | number)[]) => SourceLocation;

const REGEX_KEYS = new Set(['regexp', 'insertafter', 'insertbefore', 'search_regex']);
const REGEX_WORDS = new Set(['EOF', 'BOF']);

function locator(task: Task): Locate {
  return (p) => (task.locateArg ? task.locateArg(p) : task.location);
}

function segments(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let cur = data;
  for (const s of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(s)];
  }
  return cur;
}

/** The module schema on the rendered arguments (what the run itself would refuse). */
function schemaProblems(task: Task, args: Record<string, unknown>, locate: Locate): InputError[] {
  const mod = getModule(task.module);
  if (!mod) return [];
  const v = validator(mod.args as object, false);
  if (v(args)) return [];
  const errs = realErrors(v.errors ?? [], args).filter((e) => !hasUnknown(valueAt(args, segments(e.instancePath))));
  const seen = new Set<string>();
  const out: InputError[] = [];
  for (const e of errs) {
    if (seen.has(e.instancePath)) continue;
    seen.add(e.instancePath);
    out.push(new InputError(`module "${task.module}" (rendered): ${describeAjvError(e)}`, { code: 'SCHEMA', location: locate(segments(e.instancePath)) }));
  }
  return out;
}

function portProblem(v: unknown): string | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (typeof v === 'string' && /^\d+:\d+$/.test(v.trim())) return undefined; // a port range (iptables)
  if (Number.isInteger(n) && n >= 1 && n <= 65535) return undefined;
  return `port ${JSON.stringify(v)}: expected a number from 1 to 65535`;
}

function regexProblem(v: unknown): string | undefined {
  if (typeof v !== 'string' || REGEX_WORDS.has(v)) return undefined;
  try {
    pyRegex(v);
    return undefined;
  } catch (err) {
    const why = (err as Error).message.split(': ').pop() ?? 'invalid';
    return `regular expression ${JSON.stringify(v)}: ${why}`;
  }
}

function modeProblem(v: unknown): string | undefined {
  if (v === undefined || v === null || (typeof v !== 'string' && typeof v !== 'number')) return undefined;
  if (v === 'preserve') return undefined;
  try {
    parseMode(v);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** mode / port / regexp values anywhere in the arguments. */
function valueProblems(args: unknown, locate: Locate, path: (string | number)[] = []): InputError[] {
  const out: InputError[] = [];
  if (args === null || typeof args !== 'object') return out;
  for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
    const at = [...path, Array.isArray(args) ? Number(k) : k];
    if (hasUnknown(v)) continue;
    let msg: string | undefined;
    if (k === 'mode') msg = modeProblem(v);
    else if (k === 'port' || k === 'dport' || k === 'sport') msg = v === undefined ? undefined : portProblem(v);
    else if (REGEX_KEYS.has(k)) msg = regexProblem(v);
    if (msg) out.push(new InputError(msg, { code: 'SCHEMA', location: locate(at) }));
    else if (v !== null && typeof v === 'object') out.push(...valueProblems(v, locate, at));
  }
  return out;
}


/** The bastion file a task reads (`copy`/`template` src), found in the task's search paths. */
export async function findLocal(task: Task, src: string): Promise<string | undefined> {
  const candidates = isAbsolute(src) ? [src] : task.searchPaths.map((d) => join(d, src));
  for (const p of candidates) if (await exists(p)) return p;
  return undefined;
}

/** The `src:` a task reads on the bastion, if it reads one. */
export function localSource(task: Task, args: Record<string, unknown>): string | undefined {
  if (task.module !== 'copy' && task.module !== 'template') return undefined;
  if (args.remote_src === true || typeof args.src !== 'string' || hasUnknown(args.src)) return undefined;
  return args.src;
}

export async function argumentProblems(task: Task, args: Record<string, unknown>): Promise<InputError[]> {
  const locate = locator(task);
  const out = [...schemaProblems(task, args, locate), ...valueProblems(args, locate)];
  const src = localSource(task, args);
  if (src !== undefined && !src.endsWith('/') && !(await findLocal(task, src))) {
    const where = isAbsolute(src) ? src : task.searchPaths.join(', ');
    out.push(new InputError(`${task.module}: src file "${src}" not found (searched ${where})`, { code: 'INPUT', location: locate(['src']) }));
  }
  return out;
}

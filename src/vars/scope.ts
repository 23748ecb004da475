/**
 * Variables as the templates see them: layers merged by precedence (lowest first,
 * later wins, like Ansible's default `hash_behaviour=replace`), exposed through a
 * Proxy that renders templated values lazily, so a variable may refer to another
 * (`etcd_cert: "{{etcd_dir}}/{{inventory_hostname}}.crt"`) and only what a task
 * uses has to be defined.
 */
import { InputError, type SourceLocation } from '../errors.js';
import type { Vars } from '../modules/types.js';
import { evaluate, hasTemplate } from '../template/render.js';
import { originOf } from '../util/origins.js';
import { isSecret } from '../util/secret.js';
import { SECRET_NAME } from '../util/secret-args.js';

/**
 * Names that hold secrets by convention (etcd_root_password, api_token, ...). Their values
 * render normally in templates, but every output (report, JSON, diff) shows them as ***
 * and a change whose content holds one is marked sensitive.
 */
export { SECRET_NAME } from '../util/secret-args.js';

export function mergeLayers(layers: readonly (Vars | undefined)[]): Vars {
  const out: Vars = {};
  for (const layer of layers) if (layer) Object.assign(out, layer);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || isSecret(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Contexts made by createScope: another scope nested inside (hostvars) is left alone. */
const scopeContexts = new WeakSet<object>();

export interface Scope {
  /** The object to hand to Handlebars. */
  readonly context: Record<string, unknown>;
  /** Secret values met while rendering through this scope (for redaction). */
  readonly revealed: Set<string>;
}

/** Add the (rendered) values of secret-named variables to scope.revealed. */
export function collectSecrets(scope: Scope): Set<string> {
  for (const name of Object.keys(scope.context)) {
    if (!SECRET_NAME.test(name)) continue;
    try {
      const v = scope.context[name];
      if (typeof v === 'string' && v.length > 0) scope.revealed.add(v);
      else if (isSecret(v)) scope.revealed.add(v.reveal());
    } catch {
      /* an undefined variable inside: the task that uses it reports it */
    }
  }
  return scope.revealed;
}

export function createScope(vars: Vars, revealed: Set<string> = new Set()): Scope {
  /** Variables being resolved, in order, with their text as written. */
  const resolving = new Map<string, string>();
  const memo = new WeakMap<object, Map<string, unknown>>();
  let root: Record<string, unknown>;

  function resolveString(text: string, path: string): unknown {
    if (!hasTemplate(text)) return text;
    if (resolving.has(path)) {
      const names = [...resolving.keys()];
      const chain = names.slice(names.indexOf(path));
      const msg = chain.length === 1 ? `variable "${path}" refers to itself: ${JSON.stringify(text)}` : `variable "${path}" refers to itself in a cycle: ${[...chain, path].join(' -> ')}`;
      const where = chain.map((n) => [n, originOf(n.slice(n.lastIndexOf('.') + 1), resolving.get(n)!)] as const);
      const known = where.filter(([, at]) => at !== undefined);
      const first = known[0]?.[1]?.file;
      const shown = known.map(([n, at]) => `${n} at ${at!.file === first && n !== known[0]![0] ? 'line ' : `${at!.file}:`}${at!.line}:${at!.column}`).join(', ');
      throw new InputError(known.length > 0 ? `${msg} (${shown})` : msg, { code: 'VAR_CYCLE', location: where[0]?.[1] });
    }
    resolving.set(path, text);
    try {
      return wrap(evaluate(text, root, { origin: `variable "${path}"`, revealed }), path);
    } finally {
      resolving.delete(path);
    }
  }

  function wrap(value: unknown, path: string): unknown {
    if (typeof value === 'string') return resolveString(value, path);
    if (Array.isArray(value)) return value.map((v, i) => wrap(v, `${path}[${i}]`));
    if (value !== null && typeof value === 'object' && scopeContexts.has(value)) return value;
    if (isPlainObject(value)) return proxy(value, path);
    return value;
  }

  function proxy(target: Record<string, unknown>, path: string): Record<string, unknown> {
    const get = (t: Record<string, unknown>, key: string | symbol): unknown => {
        if (typeof key === 'symbol') return key === Symbol.toPrimitive ? () => `[vars ${path || 'root'}]` : undefined;
        if (key === 'toString') return () => `[vars ${path || 'root'}]`;
        if (!Object.prototype.hasOwnProperty.call(t, key)) return undefined;
        let cache = memo.get(t);
        if (!cache) memo.set(t, (cache = new Map()));
        if (cache.has(key)) return cache.get(key);
        const v = wrap(t[key], path ? `${path}.${key}` : key);
        cache.set(key, v);
        return v;
    };
    return new Proxy(target, {
      get,
      has: (t, key) => typeof key === 'string' && Object.prototype.hasOwnProperty.call(t, key),
      ownKeys: (t) => Reflect.ownKeys(t),
      getOwnPropertyDescriptor(t, key) {
        if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(t, key)) return undefined;
        return { value: get(t, key), enumerable: true, configurable: true, writable: false };
      },
    });
  }

  root = proxy(vars, '');
  scopeContexts.add(root);
  return { context: root, revealed };
}

/** Deep-copy a (possibly proxied) value into plain JSON-like data; Secrets are kept. */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (isSecret(value)) return value;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[k] = toPlain((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** Ansible's `omit`: an argument whose value renders to this is left out. */
export const OMIT = '__hostforge_omit_7f3a__';

/**
 * Render every string inside a task's arguments. A string that is one "{{expr}}"
 * keeps the expression's type (a list stays a list). `locate` maps an argument's
 * path to its place in the YAML, so an error points at the exact value.
 */
export function renderDeep(
  value: unknown,
  scope: Scope,
  origin: SourceLocation | string,
  locate?: (path: (string | number)[]) => SourceLocation,
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    if (!hasTemplate(value)) return value;
    const where = locate ? locate(path) : origin;
    return toPlain(evaluate(value, scope.context, { origin: where, revealed: scope.revealed }));
  }
  if (Array.isArray(value)) return value.map((v, i) => renderDeep(v, scope, origin, locate, [...path, i])).filter((v) => v !== OMIT);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = renderDeep(v, scope, origin, locate, [...path, k]);
      if (r !== OMIT) out[k] = r;
    }
    return out;
  }
  return value;
}

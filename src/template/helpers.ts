/**
 * Handlebars helpers that configuration files need. Each is a small pure function.
 * `hostvar`/`group` read the run's inventory through the template's root context
 * (`hostvars`, `groups`), so templates can reach other hosts' variables.
 */
import type { HelperDelegate, HelperOptions } from 'handlebars';
import { shQuote } from '../util/quote.js';

type Args = unknown[];

/** Handlebars passes its options object last; strip it. */
function params(args: Args): { values: unknown[]; options: HelperOptions } {
  const options = args[args.length - 1] as HelperOptions;
  return { values: args.slice(0, -1), options };
}

export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    return s !== '' && s !== 'false' && s !== 'no' && s !== '0' && s !== 'off';
  }
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function toList(v: unknown, name: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) throw new Error(`${name}: expected a list, got ${String(v)}`);
  if (typeof v === 'string') return v === '' ? [] : [v];
  if (typeof v === 'object') return Object.values(v as object);
  return [v];
}

function lookupPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const seg of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    if (!(seg in (cur as object))) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function rootOf(options: HelperOptions): Record<string, unknown> {
  return ((options.data as { root?: Record<string, unknown> } | undefined)?.root ?? {}) as Record<string, unknown>;
}

export const helpers: Record<string, HelperDelegate> = {
  /** {{default value "fallback"}}: fallback when value is undefined, null or "". */
  default(...args: Args) {
    const { values } = params(args);
    const [v, d] = values;
    return v === undefined || v === null || v === '' ? d : v;
  },
  /** {{defined "a.b"}}: is a variable (dotted path) defined? */
  defined(...args: Args) {
    const { values, options } = params(args);
    return lookupPath(rootOf(options), String(values[0])) !== undefined;
  },
  /** {{join list ", "}} */
  join(...args: Args) {
    const { values } = params(args);
    const sep = values.length > 1 ? String(values[1]) : ',';
    return toList(values[0], 'join').map((x) => String(x)).join(sep);
  },
  split(...args: Args) {
    const { values } = params(args);
    return String(values[0] ?? '').split(values.length > 1 ? String(values[1]) : ',').filter((s) => s !== '');
  },
  eq: (...args: Args) => {
    const { values } = params(args);
    return values[0] === values[1] || String(values[0]) === String(values[1]);
  },
  ne: (...args: Args) => {
    const { values } = params(args);
    return !(values[0] === values[1] || String(values[0]) === String(values[1]));
  },
  lt: (...args: Args) => Number(params(args).values[0]) < Number(params(args).values[1]),
  gt: (...args: Args) => Number(params(args).values[0]) > Number(params(args).values[1]),
  and: (...args: Args) => params(args).values.every(truthy),
  or: (...args: Args) => params(args).values.some(truthy),
  not: (...args: Args) => !truthy(params(args).values[0]),
  /** {{indent text 4}}: indent every line but the first (like Jinja's indent); first=true indents it too. */
  indent(...args: Args) {
    const { values, options } = params(args);
    const width = Number(values[1] ?? 4);
    const pad = ' '.repeat(width);
    const first = (options.hash as { first?: boolean }).first === true;
    const lines = String(values[0] ?? '').split('\n');
    return lines.map((l, i) => ((i > 0 || first) && l !== '' ? pad + l : l)).join('\n');
  },
  /** {{hostvar "node1" "ip"}}: a variable of another host; default=X when it has none. */
  hostvar(...args: Args) {
    const { values, options } = params(args);
    const hv = rootOf(options).hostvars as Record<string, Record<string, unknown>> | undefined;
    const host = String(values[0]);
    if (!hv || !(host in hv)) throw new Error(`hostvar: unknown host "${host}"`);
    const v = lookupPath(hv[host], String(values[1]));
    const hash = options.hash as { default?: unknown };
    if (v === undefined && 'default' in hash) return hash.default;
    if (v === undefined) throw new Error(`hostvar: "${String(values[1])}" is not defined for host "${host}"`);
    return v;
  },
  /** {{format list "https://%s:2379"}}: printf-style %s for one value or each item of a list. */
  format(...args: Args) {
    const { values } = params(args);
    const fmt = String(values[1] ?? '%s');
    const one = (x: unknown): string => fmt.split('%s').join(String(x));
    return Array.isArray(values[0]) ? values[0].map(one) : one(values[0]);
  },
  /** {{group "etcd"}}: the hosts of a group (a list), [] when the group is empty or unknown. */
  group(...args: Args) {
    const { values, options } = params(args);
    const groups = rootOf(options).groups as Record<string, string[]> | undefined;
    return groups?.[String(values[0])] ?? [];
  },
  /** {{map list "attr"}} or {{map hosts "ip" hostvars=true}}: pluck a key from each item / each host's vars. */
  map(...args: Args) {
    const { values, options } = params(args);
    const key = String(values[1]);
    const fromHosts = (options.hash as { hostvars?: boolean }).hostvars === true;
    const hv = rootOf(options).hostvars as Record<string, Record<string, unknown>> | undefined;
    return toList(values[0], 'map').map((item) =>
      fromHosts ? lookupPath(hv?.[String(item)], key) : lookupPath(item, key),
    );
  },
  /** {{without list item...}}: the list minus the given items. */
  without(...args: Args) {
    const { values } = params(args);
    const drop = new Set(values.slice(1).flatMap((v) => (Array.isArray(v) ? v : [v])).map(String));
    return toList(values[0], 'without').filter((x) => !drop.has(String(x)));
  },
  contains(...args: Args) {
    const { values } = params(args);
    const hay = values[0];
    if (typeof hay === 'string') return hay.includes(String(values[1]));
    return toList(hay, 'contains').map(String).includes(String(values[1]));
  },
  length(...args: Args) {
    const v = params(args).values[0];
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    return 0;
  },
  first: (...args: Args) => toList(params(args).values[0], 'first')[0],
  last: (...args: Args) => {
    const l = toList(params(args).values[0], 'last');
    return l[l.length - 1];
  },
  index(...args: Args) {
    const { values } = params(args);
    return toList(values[0], 'index').map(String).indexOf(String(values[1]));
  },
  concat(...args: Args) {
    const { values } = params(args);
    if (values.every((v) => Array.isArray(v))) return (values as unknown[][]).flat();
    return values.map((v) => (v === undefined || v === null ? '' : String(v))).join('');
  },
  list: (...args: Args) => params(args).values,
  add: (...args: Args) => params(args).values.reduce<number>((a, b) => a + Number(b), 0),
  /** Ansible's `| quote`: one POSIX shell word. */
  quote: (...args: Args) => shQuote(String(params(args).values[0] ?? '')),
  upper: (...args: Args) => String(params(args).values[0] ?? '').toUpperCase(),
  lower: (...args: Args) => String(params(args).values[0] ?? '').toLowerCase(),
  trim: (...args: Args) => String(params(args).values[0] ?? '').trim(),
  replace(...args: Args) {
    const { values } = params(args);
    return String(values[0] ?? '').split(String(values[1])).join(String(values[2] ?? ''));
  },
  json: (...args: Args) => JSON.stringify(params(args).values[0]),
  b64encode: (...args: Args) => Buffer.from(String(params(args).values[0] ?? '')).toString('base64'),
  b64decode: (...args: Args) => Buffer.from(String(params(args).values[0] ?? ''), 'base64').toString('utf8'),
  /** {{basename path}} / {{dirname path}} */
  basename: (...args: Args) => String(params(args).values[0] ?? '').replace(/\/+$/, '').split('/').pop() ?? '',
  dirname: (...args: Args) => String(params(args).values[0] ?? '').replace(/\/[^/]*$/, '') || '/',
};

/**
 * The `with_<lookup>` loops, as pure functions of their (already templated) terms,
 * written after ansible-core 2.14's lookup plugins so that items have Ansible's exact
 * shapes: items (flattens one level), list, dict ({key, value}), indexed_items
 * ([index, value]), sequence (strings formatted like printf), subelements ([parent
 * without the sub-key, element]), nested (cartesian product) and together (zip, null-filled).
 */
import { TaskError } from '../errors.js';
import { formatPrintf, parseKv } from '../playbook/kv.js';
import { isWithLookup, WITH_LOOKUPS, type WithLookup } from '../playbook/loops.js';

export { isWithLookup, WITH_LOOKUPS, type WithLookup };

type Dict = Record<string, unknown>;

const isDict = (v: unknown): v is Dict => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Python's iteration over a value: a list's elements, a dict's keys, a string's characters. */
function iterate(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (isDict(v)) return Object.keys(v);
  if (typeof v === 'string') return [...v];
  throw new TaskError(`${what}: ${JSON.stringify(v)} is not iterable`);
}

/** LookupBase._flatten: a list term is spliced in, anything else appended. */
export function flattenOnce(terms: unknown, what = 'with_items'): unknown[] {
  const out: unknown[] = [];
  for (const t of iterate(terms, what)) {
    if (Array.isArray(t)) out.push(...(t as unknown[]));
    else out.push(t);
  }
  return out;
}

/** listify_lookup_plugin_terms after templating: a scalar becomes a one-element list. */
export function listify(v: unknown): unknown {
  if (Array.isArray(v) || isDict(v)) return v;
  return [v];
}

function dictItems(terms: unknown): unknown[] {
  const list = Array.isArray(terms) ? terms : [terms];
  const out: unknown[] = [];
  for (const term of list) {
    if (!isDict(term)) throw new TaskError('with_dict expects a dict');
    for (const [key, value] of Object.entries(term)) out.push({ key, value });
  }
  return out;
}

function indexedItems(terms: unknown): unknown[] {
  if (!Array.isArray(terms)) throw new TaskError('with_indexed_items expects a list');
  return flattenOnce(terms, 'with_indexed_items').map((v, i) => [i, v]);
}

function nested(terms: unknown): unknown[] {
  const lists = iterate(terms, 'with_nested').map((x) => listify(x));
  if (lists.length === 0) throw new TaskError('with_nested requires at least one element in the nested list');
  let result = iterate(lists[0], 'with_nested');
  for (const next of lists.slice(1)) {
    const b = iterate(next, 'with_nested');
    const combined: unknown[] = [];
    for (const x of result) for (const y of b) combined.push(flattenOnce([x, y]));
    result = combined;
  }
  return result.map((x) => flattenOnce(x, 'with_nested'));
}

function together(terms: unknown): unknown[] {
  const lists = iterate(terms, 'with_together').map((x) => iterate(listify(x), 'with_together'));
  if (lists.length === 0) throw new TaskError('with_together requires at least one element in each list');
  const n = Math.max(...lists.map((l) => l.length));
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(flattenOnce(lists.map((l) => (i < l.length ? l[i] : null))));
  return out;
}

const py = (v: unknown): string => JSON.stringify(v);

function subelements(terms: unknown): unknown[] {
  const fail = (msg = ''): never => {
    throw new TaskError(`subelements lookup expects a list of two or three items, ${msg}`);
  };
  if (!Array.isArray(terms) || terms.length < 2 || terms.length > 3) fail();
  const t = terms as unknown[];
  const first = listify(t[0]);
  if (!(Array.isArray(first) || isDict(first)) || typeof t[1] !== 'string') fail('first a dict or a list, second a string pointing to the subkey');
  const path = (t[1] as string).split('.');
  let elements: unknown[];
  if (isDict(first)) {
    if (first.skipped !== undefined && first.skipped !== false) return [];
    elements = Object.values(first);
  } else elements = first as unknown[];
  const flags = t.length === 3 ? t[2] : {};
  if (!isDict(flags) || !Object.keys(flags).every((k) => k === 'skip_missing')) fail("the optional third item must be a dict with flags ['skip_missing']");
  const f = flags as Dict;
  const skipMissing = f.skip_missing === true || ['yes', 'on', '1', 'true', 'y', 't'].includes(String(f.skip_missing).toLowerCase());
  const out: unknown[] = [];
  for (const item0 of elements) {
    if (!isDict(item0)) throw new TaskError(`subelements lookup expects a dictionary, got ${py(item0)}`);
    if (item0.skipped !== undefined && item0.skipped !== false) continue;
    let sub: Dict = item0;
    let sublist: unknown[] = [];
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const last = i === path.length - 1;
      if (!(key in sub)) {
        if (skipMissing) continue;
        throw new TaskError(`could not find '${key}' key in iterated item ${py(sub)}`);
      }
      const v = sub[key];
      if (!last) {
        if (!isDict(v)) {
          if (skipMissing) continue;
          throw new TaskError(`the key ${key} should point to a dictionary, got ${py(v)}`);
        }
        sub = v;
      } else {
        if (!Array.isArray(v)) throw new TaskError(`the key ${key} should point to a list, got ${py(v)}`);
        // Ansible pops the sub-list out of the parent: item.0 no longer carries it.
        sublist = v;
        delete sub[key];
      }
    }
    for (const item1 of sublist) out.push([item0, item1]);
  }
  return out;
}

/** Python's int(s, 0): 0x/0o/0b prefixes, no leading zeros on decimals. */
export function pyInt(s: string): number | undefined {
  const t = s.trim().replace(/_/g, '');
  const m = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|([1-9][0-9]*|0+))$/.exec(t);
  if (!m) return undefined;
  const n = m[2] !== undefined ? parseInt(m[2], 16) : m[3] !== undefined ? parseInt(m[3], 8) : m[4] !== undefined ? parseInt(m[4], 2) : parseInt(m[5]!, 10);
  return m[1] === '-' ? -n : n;
}

const NUM = '(0?x?[0-9a-f]+)';
const SHORTCUT = new RegExp(`^(${NUM}-)?${NUM}(/${NUM})?(:(.+))?$`, 'i');

/** One with_sequence term: "[start-]end[/stride][:format]" or "start= end= count= stride= format=". */
export function sequence(term: unknown): string[] {
  if (typeof term !== 'string') throw new TaskError(`with_sequence expects a string such as "start=1 end=5", got ${py(term)}`);
  let start = 1;
  let end: number | undefined;
  let count: number | undefined;
  let stride = 1;
  let format = '%d';
  const int = (name: string, raw: string): number => {
    const n = pyInt(raw);
    if (n === undefined) throw new TaskError(`can't parse ${name}=${raw} as integer`);
    return n;
  };
  const m = SHORTCUT.exec(term);
  if (m) {
    if (m[2] !== undefined) start = int('start', m[2]);
    end = int('end', m[3]!);
    if (m[5] !== undefined) stride = int('stride', m[5]);
    if (m[7] !== undefined) format = m[7];
  } else {
    const args = parseKv(term);
    for (const k of ['start', 'end', 'count', 'stride'] as const) {
      const raw = args[k];
      if (raw === undefined) continue;
      delete args[k];
      const n = int(k, raw);
      if (k === 'start') start = n;
      else if (k === 'end') end = n;
      else if (k === 'count') count = n;
      else stride = n;
    }
    if (args.format !== undefined) {
      format = args.format;
      delete args.format;
    }
    const rest = Object.keys(args);
    if (rest.length > 0) throw new TaskError(`unrecognized arguments to with_sequence: [${rest.map((k) => `'${k}'`).join(', ')}]`);
  }
  if (count === undefined && end === undefined) throw new TaskError('must specify count or end in with_sequence');
  if (count !== undefined && end !== undefined) throw new TaskError("can't specify both count and end in with_sequence");
  if (count !== undefined) {
    if (count !== 0) end = start + count * stride - 1;
    else [start, end, stride] = [0, 0, 0];
  }
  const last = end!;
  if (stride > 0 && last < start) throw new TaskError('to count backwards make stride negative');
  if (stride < 0 && last > start) throw new TaskError("to count forward don't make stride negative");
  if ((format.match(/%/g) ?? []).length !== 1) throw new TaskError(`bad formatting string: ${format}`);
  if (stride === 0) return [];
  const out: string[] = [];
  const stop = last + (stride >= 0 ? 1 : -1);
  for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) {
    const s = formatPrintf(format, i);
    if (s === undefined) throw new TaskError(`problem formatting ${i} with '${format}'`);
    out.push(s);
  }
  return out;
}

/** The items of `with_<name>: terms` (terms already templated). */
export function withItems(name: WithLookup, terms: unknown): unknown[] {
  switch (name) {
    case 'items':
      return flattenOnce(listify(terms));
    case 'list': {
      const l = listify(terms);
      if (!Array.isArray(l)) throw new TaskError(`with_list expects a list, got ${py(l)}`);
      return l;
    }
    case 'dict':
      return dictItems(terms);
    case 'indexed_items':
      return indexedItems(listify(terms));
    case 'sequence':
      return iterate(listify(terms), 'with_sequence').flatMap((t) => sequence(t));
    case 'subelements':
      return subelements(terms);
    case 'nested':
      return nested(listify(terms));
    case 'together':
      return together(listify(terms));
  }
}

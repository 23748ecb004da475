/**
 * Ansible host patterns (`hosts:` of a play, `--limit`), as ansible-core 2.14 evaluates them:
 *
 *   all, *                 every host
 *   web, h1                a group (all its hosts, children included) or a host
 *   web*, h?, h[!3], db[ab]  fnmatch globs against group AND host names
 *   ~web\d+                a regular expression (matched from the start of the name)
 *   a:b  a,b               union          a:&b  intersection       a:!b  exclusion
 *   web[0]  web[-1]  web[0:2]  web[1:]   subscripts on a group's host list (inclusive);
 *                          `web[12]` is a subscript, not a glob
 *
 * Order of evaluation: plain parts first (union), then every `&` part, then every `!` part;
 * with only `&`/`!` parts, the plain part is `all`. A name that matches nothing is not an
 * error: it is reported in `unmatched` (Ansible warns "Could not match supplied host pattern");
 * so is a subscript out of range (`web[9]` of a 4-host group), which selects nothing.
 */
import { InputError } from '../errors.js';
import { parseAddress } from './host-range.js';

/** What pattern matching needs to know about an inventory. */
export interface PatternSource {
  /** Group names, in definition order. */
  groupNames(): Iterable<string>;
  /** Host names, in definition order. */
  hostNames(): Iterable<string>;
  hasHost(name: string): boolean;
  /** Hosts of a group and its descendants, inventory order. */
  groupHosts(name: string): string[];
}

export interface PatternMatch {
  hosts: string[];
  /** Parts of the pattern that matched no group and no host. */
  unmatched: string[];
}

/** `a,b` splits on commas; otherwise on ':' unless the whole thing is one host (IPv6, host:port, a range). */
export function splitHostPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern)) parts = [pattern];
  else {
    const part = /(?:[^\s:[\]]|\[[^\]]*\])+/g;
    parts = pattern.match(part) ?? [];
    // Ansible drops what this split cannot place (`~[` becomes `~`, which matches every host): refuse it.
    if (!/^[\s:]*$/.test(pattern.replace(part, ''))) {
      throw new InputError(`invalid host pattern ${JSON.stringify(pattern)}: unbalanced "[" or "]" (Ansible would drop it and could match every host)`, { code: 'INVENTORY' });
    }
  }
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export function orderPatterns(patterns: string[]): string[] {
  const regular: string[] = [];
  const intersection: string[] = [];
  const exclude: string[] = [];
  for (const p of patterns) {
    if (!p) continue;
    if (p[0] === '!') exclude.push(p);
    else if (p[0] === '&') intersection.push(p);
    else regular.push(p);
  }
  if (regular.length === 0) regular.push('all');
  return [...regular, ...intersection, ...exclude];
}

/** Python's fnmatch.translate, as a JS RegExp (whole-string, case-sensitive). */
export function fnmatchToRegExp(pat: string): RegExp {
  let res = '';
  let i = 0;
  const n = pat.length;
  while (i < n) {
    const c = pat[i++]!;
    if (c === '*') {
      while (pat[i] === '*') i++;
      res += '.*';
    } else if (c === '?') {
      res += '.';
    } else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) {
        res += '\\[';
      } else {
        let stuff = pat.slice(i, j).replace(/\\/g, '\\\\');
        i = j + 1;
        if (stuff === '') res += '(?!)';
        else if (stuff === '!') res += '.';
        else {
          if (stuff[0] === '!') stuff = '^' + stuff.slice(1);
          else if (stuff[0] === '^' || stuff[0] === '[') stuff = '\\' + stuff;
          stuff = stuff.replace(/([\]])/g, (m, _g, off: number) => (off === 0 || (off === 1 && stuff[0] === '^') ? '\\]' : m));
          res += `[${stuff}]`;
        }
      }
    } else {
      res += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^(?:${res})$`, 's');
}

const WITH_SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;

type Subscript = { start: number; end?: number };

function splitSubscript(pattern: string): { expr: string; subscript?: Subscript } {
  if (pattern[0] === '~') return { expr: pattern };
  const m = WITH_SUBSCRIPT.exec(pattern);
  if (!m) return { expr: pattern };
  if (m[2] !== undefined) return { expr: m[1]!, subscript: { start: Number.parseInt(m[2], 10) } };
  return { expr: m[1]!, subscript: { start: Number.parseInt(m[3]!, 10), end: m[5] ? Number.parseInt(m[5], 10) : -1 } };
}

/** Python's list subscript semantics; an index out of range selects nothing. */
function applySubscript(hosts: string[], sub: Subscript | undefined): string[] | undefined {
  if (hosts.length === 0 || !sub) return hosts;
  const { start, end } = sub;
  if (end) {
    // Python slice hosts[start:end+1], end -1 meaning "to the last".
    const stop = end === -1 ? hosts.length : end + 1;
    return hosts.slice(start, stop);
  }
  const idx = start < 0 ? hosts.length + start : start;
  if (idx < 0 || idx >= hosts.length) return undefined;
  return [hosts[idx]!];
}

function compile(pattern: string): RegExp {
  try {
    return pattern[0] === '~' ? new RegExp(`^(?:${pattern.slice(1)})`) : fnmatchToRegExp(pattern);
  } catch (err) {
    throw new InputError(`invalid host pattern "${pattern}": ${(err as Error).message}`, { code: 'INVENTORY', cause: err });
  }
}

function enumerateMatches(src: PatternSource, pattern: string, unmatched: string[]): string[] {
  const re = compile(pattern);
  const results: string[] = [];
  const groups = [...src.groupNames()].filter((g) => re.test(g));
  for (const g of groups) results.push(...src.groupHosts(g));
  if (groups.length === 0 || pattern[0] === '~' || /[.?*[]/.test(pattern)) {
    for (const h of src.hostNames()) if (re.test(h)) results.push(h);
  }
  if (results.length === 0 && groups.length === 0 && pattern !== 'all') unmatched.push(pattern);
  return results;
}

function matchOne(src: PatternSource, pattern: string, unmatched: string[]): string[] {
  const p = pattern[0] === '&' || pattern[0] === '!' ? pattern.slice(1) : pattern;
  const { expr, subscript } = splitSubscript(p);
  const hosts = applySubscript(enumerateMatches(src, expr, unmatched), subscript);
  if (hosts === undefined) {
    // Ansible raises "No hosts matched the subscripted pattern" and ends up matching nothing.
    unmatched.push(p);
    return [];
  }
  return hosts;
}

/** Evaluate a host pattern against an inventory. */
export function matchPattern(src: PatternSource, pattern: string | string[]): PatternMatch {
  const parts = (Array.isArray(pattern) ? pattern : [pattern]).flatMap(splitHostPattern);
  const unmatched: string[] = [];
  let hosts: string[] = [];
  for (const p of orderPatterns(parts)) {
    if (src.hasHost(p)) {
      hosts.push(p);
      continue;
    }
    const that = matchOne(src, p, unmatched);
    if (p[0] === '!') {
      const drop = new Set(that);
      hosts = hosts.filter((h) => !drop.has(h));
    } else if (p[0] === '&') {
      const keep = new Set(that);
      hosts = hosts.filter((h) => keep.has(h));
    } else {
      const existing = new Set(hosts);
      hosts.push(...that.filter((h) => !existing.has(h)));
    }
  }
  return { hosts: [...new Set(hosts)], unmatched };
}

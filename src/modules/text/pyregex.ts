/**
 * Ansible's regexp arguments are Python `re` patterns. This translates the parts of
 * Python syntax that JavaScript spells differently, and implements Python's
 * `match.expand()` for `backrefs`.
 *
 * Translated: leading inline flags `(?imsx)`, `(?P<name>...)`, `(?P=name)`, `(?#...)`,
 * `\A`, `\Z`. Everything else is passed to RegExp as is (the common subset).
 */
import { InputError } from '../../errors.js';

export interface PyRegex {
  re: RegExp;
  /** The pattern had Python's MULTILINE flag, `(?m)`. */
  multiline: boolean;
}

function stripVerbose(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && i + 1 < p.length) {
      out += c + p[i + 1];
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      continue;
    }
    if (c === '#') {
      while (i < p.length && p[i] !== '\n') i++;
      continue;
    }
    if (/\s/.test(c)) continue;
    out += c;
  }
  return out;
}

/** Compile a Python regular expression into a JavaScript RegExp (no `g` flag). */
export function pyRegex(pattern: string, extraFlags = ''): PyRegex {
  let p = pattern;
  const flags = new Set(extraFlags.split('').filter((f) => f !== ''));
  let verbose = false;
  // Leading global inline flags, possibly several groups: (?i)(?m)...
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(p);
    if (!m) break;
    for (const f of m[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags.add(f);
      else if (f === 'x') verbose = true;
      else if (f === 'L') throw new InputError(`regexp ${pattern}: the (?L) flag is not supported`);
      // a, u: ASCII / unicode matching; the JS default is close enough.
    }
    p = p.slice(m[0].length);
  }
  if (verbose) p = stripVerbose(p);
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && i + 1 < p.length) {
      const e = p[i + 1]!;
      if (!inClass && e === 'A') out += '^';
      else if (!inClass && e === 'Z') out += '$(?![\\s\\S])';
      else out += c + e;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is literal in Python.
      if (p[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (p[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && p.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    if (c === '(' && p.startsWith('(?P=', i)) {
      const end = p.indexOf(')', i);
      if (end < 0) throw new InputError(`regexp ${pattern}: unterminated (?P=`);
      out += `\\k<${p.slice(i + 4, end)}>`;
      i = end;
      continue;
    }
    if (c === '(' && p.startsWith('(?#', i)) {
      const end = p.indexOf(')', i);
      if (end < 0) throw new InputError(`regexp ${pattern}: unterminated comment`);
      i = end;
      continue;
    }
    out += c;
  }
  try {
    return { re: new RegExp(out, [...flags].join('')), multiline: flags.has('m') };
  } catch (err) {
    throw new InputError(`invalid regexp ${JSON.stringify(pattern)}: ${(err as Error).message}`, { cause: err });
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  f: '\f',
  v: '\v',
  a: '\x07',
  b: '\b',
  '\\': '\\',
};

/**
 * Python's `match.expand(template)`: `\1`..`\99`, `\g<1>`, `\g<name>`, escapes
 * `\n \t \r \f \v \a \b \\`. An unmatched group expands to "". Unknown escapes of
 * ASCII letters are errors (as in Python); other unknown escapes stay as written.
 */
export function pyExpand(template: string, m: RegExpExecArray): string {
  let out = '';
  const group = (ref: string): string => {
    if (/^\d+$/.test(ref)) {
      const n = Number(ref);
      if (n >= m.length) throw new InputError(`backrefs: invalid group reference ${ref}`);
      return m[n] ?? '';
    }
    const groups = m.groups ?? {};
    if (!(ref in groups)) throw new InputError(`backrefs: unknown group name ${ref}`);
    return groups[ref] ?? '';
  };
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '\\' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const e = template[i + 1]!;
    if (e === 'g' && template[i + 2] === '<') {
      const end = template.indexOf('>', i + 3);
      if (end < 0) throw new InputError(`backrefs: missing > in ${template}`);
      out += group(template.slice(i + 3, end));
      i = end;
      continue;
    }
    if (e >= '1' && e <= '9') {
      let ref = e;
      const f = template[i + 2];
      if (f !== undefined && f >= '0' && f <= '9' && Number(e + f) < m.length) ref += f;
      out += group(ref);
      i += ref.length;
      continue;
    }
    if (e === '0') {
      out += '\0';
      i++;
      continue;
    }
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i++;
      continue;
    }
    if (/[A-Za-z]/.test(e)) throw new InputError(`backrefs: bad escape \\${e} in ${JSON.stringify(template)}`);
    out += c + e;
    i++;
  }
  return out;
}

/**
 * Jinja2 syntax in a Handlebars template: recognised, never written to a host literally,
 * and reported with the Handlebars way to write it. `{% ... %}` statements, `{# ... #}`
 * comments, and inside `{{ }}`: filters (`x | default(1)`), tests (`x is defined`),
 * infix operators (`==`, `and`, `~`, `+`), subscripts (`x['k']`) and calls (`lookup(...)`).
 *
 * The escape for text that must carry such syntax on purpose is Handlebars' raw block:
 * `{{{{raw}}}} {% if x %} {{{{/raw}}}}` is written out exactly as it stands inside; a
 * single `\{{` is Handlebars' escape of one mustache. Both are left alone here.
 */

export interface JinjaFinding {
  /** Offset in the text where the Jinja construct starts. */
  index: number;
  /** The construct as written (shortened). */
  found: string;
  /** How to write it in Handlebars. */
  hint: string;
}

const ESCAPE = 'to keep it as text, wrap it in {{{{raw}}}}...{{{{/raw}}}}';

const FILTERS: Record<string, string> = {
  default: 'default', d: 'default', join: 'join', upper: 'upper', lower: 'lower', trim: 'trim',
  replace: 'replace', length: 'length', count: 'length', first: 'first', last: 'last', quote: 'quote',
  b64encode: 'b64encode', b64decode: 'b64decode', basename: 'basename', dirname: 'dirname',
  to_json: 'json', to_nice_json: 'json', split: 'split', indent: 'indent', map: 'map', format: 'format',
};

const short = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

/** The text with string literals blanked (same length), so operators inside quotes are not seen. */
function blankStrings(s: string): string {
  return s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, (m) => ' '.repeat(m.length));
}

/** Split on a separator at depth 0 (outside quotes and brackets). */
function splitTop(s: string, sep: string): string[] {
  const blank = blankStrings(s);
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = blank[i]!;
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && blank.startsWith(sep, i)) {
      out.push(s.slice(from, i));
      from = i + sep.length;
    }
  }
  out.push(s.slice(from));
  return out;
}

/** A Jinja operand as a Handlebars one: 'x' → "x", a['b'] → a.b, a[0] → a.[0]. */
function operand(s: string): string {
  const t = s.trim();
  if (/^'(?:[^'\\]|\\.)*'$/.test(t)) return JSON.stringify(t.slice(1, -1));
  const sub = t.replace(/\[\s*['"]([\w-]+)['"]\s*\]/g, '.$1').replace(/\[\s*(\d+)\s*\]/g, '.[$1]');
  return /\s/.test(sub) && !/^\(.*\)$/.test(sub) ? `(${sub})` : sub;
}

/** `x | f(a, b) | g` → `g (f x a b)`. */
function filterHint(expr: string): string {
  const [head, ...filters] = splitTop(expr, '|');
  let out = operand(head ?? '');
  for (const f of filters) {
    const m = /^\s*([A-Za-z_][\w.]*)\s*(?:\(([\s\S]*)\)|\s([\s\S]+))?\s*$/.exec(f);
    if (!m) return '';
    if (m[3] !== undefined) m[2] = m[3].trim().split(/\s+/).join(',');
    const name = m[1]!.replace(/^ansible\.builtin\./, '');
    const helper = FILTERS[name];
    if (!helper) return `the filter "${name}" has no Handlebars helper (see the template helpers in the README)`;
    const args = m[2] === undefined || m[2].trim() === '' ? [] : splitTop(m[2], ',').map((a) => a.replace(/^\s*(\w+)\s*=\s*/, '$1=')).map((a) => (/^\w+=/.test(a) ? a.replace(/=(.*)$/, (_x, v: string) => `=${operand(v)}`) : operand(a)));
    out = `(${[helper, out, ...args].join(' ')})`;
  }
  return `write {{${out.replace(/^\((.*)\)$/, '$1')}}}`;
}

const INFIX: [RegExp, string, string][] = [
  [/==/, 'eq', '=='],
  [/!=/, 'ne', '!='],
  [/>=|<=/, 'gt / lt', 'a comparison'],
  [/(?<![=!<>])[<>](?![=])/, 'gt / lt', 'a comparison'],
  [/(?<=\S\s+)and(?=\s)/, 'and', 'and'],
  [/(?<=\S\s+)or(?=\s)/, 'or', 'or'],
  [/~/, 'concat', '~'],
  [/(?<=\S\s*)[+*](?=\s*\S)/, 'add', 'arithmetic'],
  [/(?<=\S\s+)in(?=\s)/, 'contains', 'in'],
];

/** Jinja inside one expression (the inside of {{ }}, or a bare `when:`); undefined if none. */
export function jinjaInExpression(expr: string): { found: string; hint: string } | undefined {
  const e = expr.trim();
  // Handlebars block params `{{#each xs as |x|}}` use pipes legitimately.
  const body = e.replace(/\bas\s+\|[^|]*\|/, '');
  const blank = blankStrings(body);
  const test = /^(.*?)\s+is\s+(not\s+)?(defined|undefined|none|string|number|mapping|iterable|sameas|succeeded|failed|changed|skipped|match|search)\b/.exec(blank);
  if (test) {
    const subject = body.slice(0, test[1]!.length).trim();
    const negate = (test[2] !== undefined) !== (test[3] === 'undefined');
    if (test[3] === 'defined' || test[3] === 'undefined') {
      const cond = `defined "${subject}"`;
      return { found: e, hint: negate ? `write {{#unless (${cond})}}...{{/unless}}, or in when: not (${cond})` : `write {{#if (${cond})}}...{{/if}}, or in when: ${cond}` };
    }
    return { found: e, hint: `Jinja tests ("is ${test[3]}") have no Handlebars form; compare with eq/ne or use a registered result's fields` };
  }
  if (blank.includes('|')) return { found: e, hint: filterHint(body) || 'Handlebars has no filters: write the helper first, {{helper value args}}' };
  for (const [re, helper, what] of INFIX) {
    const form = helper === 'gt / lt' ? 'gt a b' : `${helper} a b`;
    if (re.test(blank)) return { found: e, hint: `Handlebars has no infix ${what}: write the helper first, {{${form}}} (in when: ${form})` };
  }
  if (/\w\[/.test(blank)) return { found: e, hint: `subscripts are paths in Handlebars: write {{${operand(body)}}} (or {{lookup x "key"}})` };
  const call = /(?:^|[\s(])([A-Za-z_][\w.]*)\(/.exec(blank);
  if (call) return { found: e, hint: `Handlebars calls helpers without parentheses around the arguments: write {{helper arg1 arg2}} (here "${call[1]}(...)")` };
  return undefined;
}

function statementHint(stmt: string): string {
  const h = statementForm(stmt);
  return h.startsWith('{{') ? `write ${h}` : h;
}

function statementForm(stmt: string): string {
  const m = /^\s*(\w+)\s*([\s\S]*?)\s*$/.exec(stmt);
  const kw = m?.[1] ?? '';
  const rest = m?.[2] ?? '';
  if (kw === 'if' || kw === 'elif') return `{{#if ${operand(rest)}}}...{{else}}...{{/if}} (conditions take helpers: {{#if (eq a "b")}})`;
  if (kw === 'else') return '{{else}}';
  if (kw === 'endif') return '{{/if}}';
  if (kw === 'for') {
    const f = /^(\w+)\s+in\s+([\s\S]+)$/.exec(rest);
    return f ? `{{#each ${operand(f[2]!)} as |${f[1]}|}}...{{${f[1]}}}...{{/each}}` : '{{#each list}}...{{this}}...{{/each}}';
  }
  if (kw === 'endfor') return '{{/each}}';
  if (kw === 'set') return 'Handlebars templates cannot assign: define the value under vars: (play, role or task)';
  if (kw === 'raw' || kw === 'endraw') return '{{{{raw}}}}...{{{{/raw}}}}';
  return 'Handlebars has no {% %} statements: use {{#if}}, {{#each}}, {{#with}}';
}

/** Offsets of raw blocks `{{{{raw}}}}...{{{{/raw}}}}`: [start, end) pairs. */
function rawRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  const re = /\{\{\{\{\s*([\w-]+)[^}]*\}\}\}\}/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const close = `{{{{/${m[1]}}}}}`;
    const end = text.indexOf(close, re.lastIndex);
    const stop = end < 0 ? text.length : end + close.length;
    out.push([m.index, stop]);
    re.lastIndex = stop;
  }
  return out;
}

/** The first Jinja construct in a template text, or undefined. Linear in the text. */
export function findJinja(text: string): JinjaFinding | undefined {
  if (!text.includes('{{') && !text.includes('{%') && !text.includes('{#')) return undefined;
  const raws = text.includes('{{{{') ? rawRanges(text) : [];
  let r = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] !== '{') continue;
    while (r < raws.length && raws[r]![1] <= i) r++;
    if (r < raws.length && raws[r]![0] <= i) {
      i = raws[r]![1] - 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '%') {
      const end = text.indexOf('%}', i + 2);
      if (end < 0) continue;
      const stmt = text.slice(i + 2, end).replace(/^-|-$/g, '');
      return { index: i, found: short(text.slice(i, end + 2)), hint: `${statementHint(stmt)}; ${ESCAPE}` };
    }
    if (next === '#' && text[i - 1] !== '$') {
      const end = text.indexOf('#}', i + 2);
      if (end < 0 || text.slice(i + 2, end).includes('\n\n')) continue;
      return { index: i, found: short(text.slice(i, end + 2)), hint: `write {{!-- comment --}}; ${ESCAPE}` };
    }
    if (next === '{' && text[i - 1] !== '\\') {
      let open = i + 2;
      if (text[open] === '{') open++; // {{{ triple }}}
      if (text[open] === '!') {
        const end = text.indexOf(text.startsWith('!--', open) ? '--}}' : '}}', open);
        if (end < 0) return undefined;
        i = end + 1;
        continue;
      }
      const end = text.indexOf('}}', open);
      if (end < 0) return undefined;
      const inner = text.slice(open, end).replace(/^[~#/^&>]|~$/g, '');
      const found = jinjaInExpression(inner.replace(/^(?:if|unless|each|with)\s+/, ''));
      if (found) return { index: i, found: short(text.slice(i, end + 2)), hint: `${found.hint}; ${ESCAPE}` };
      i = end + 1;
    }
  }
  return undefined;
}

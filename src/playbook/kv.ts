/**
 * Ansible's `key=value` argument strings, ported from ansible-core 2.14's
 * parsing/splitter.py: split_args (whitespace split that keeps quotes and `{{ }}` /
 * `{% %}` / `{# #}` blocks together, newlines and runs of spaces preserved), then
 * parse_kv (escape sequences decoded, `\=` kept literal, values unquoted, words
 * without `=` joined back into `_raw_params`). With `checkRaw` (command, shell), only
 * the command options are taken as k=v and everything else stays free-form text.
 */
import { InputError } from '../errors.js';

/** Options a free-form module (command/shell) takes as k=v; other `k=v` words stay in the command. */
export const RAW_OPTIONS = ['creates', 'removes', 'chdir', 'executable', 'warn', 'stdin', 'stdin_add_newline', 'strip_empty_ends'];

function quoteState(token: string, quote: string | undefined): string | undefined {
  let q = quote;
  for (let i = 0; i < token.length; i++) {
    const c = token[i]!;
    if ((c === '"' || c === "'") && (i === 0 || token[i - 1] !== '\\')) {
      if (q) {
        if (c === q) q = undefined;
      } else q = c;
    }
  }
  return q;
}

function count(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i !== -1; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

function depth(token: string, cur: number, open: string, close: string): number {
  const o = count(token, open);
  const c = count(token, close);
  return o === c ? cur : Math.max(0, cur + o - c);
}

/** split_args: the words of an argument string, quotes and template blocks kept whole. */
export function splitArgs(args: string): string[] {
  const params: string[] = [];
  const lines = args.split('\n');
  let quote: string | undefined;
  let inside = false;
  let printDepth = 0;
  let blockDepth = 0;
  let commentDepth = 0;
  const append = (s: string): void => {
    if (params.length === 0) params.push(s);
    else params[params.length - 1] += s;
  };
  lines.forEach((line, lineIdx) => {
    const tokens = line.split(' ');
    let continuation = false;
    tokens.forEach((token, idx) => {
      if (token.length === 0 && idx !== 0) {
        append(' ');
        return;
      }
      if (token === '\\' && !inside) {
        continuation = true;
        return;
      }
      const wasInside = inside;
      quote = quoteState(token, quote);
      inside = quote !== undefined;
      let appended = false;
      const inBlock = printDepth > 0 || blockDepth > 0 || commentDepth > 0;
      if (inside && !wasInside && !inBlock) {
        params.push(token);
        appended = true;
      } else if (inBlock || inside || wasInside) {
        if (idx === 0 && wasInside) append(token);
        else if (tokens.length > 1) append(`${idx > 0 ? ' ' : ''}${token}`);
        else append(`\n${token}`);
        appended = true;
      }
      for (const [open, close, which] of [['{{', '}}', 0], ['{%', '%}', 1], ['{#', '#}', 2]] as const) {
        const before = which === 0 ? printDepth : which === 1 ? blockDepth : commentDepth;
        const after = depth(token, before, open, close);
        if (which === 0) printDepth = after;
        else if (which === 1) blockDepth = after;
        else commentDepth = after;
        if (after !== before && !appended) {
          params.push(token);
          appended = true;
        }
      }
      if (printDepth === 0 && blockDepth === 0 && commentDepth === 0 && !inside && !appended && token !== '') params.push(token);
    });
    if (lines.length > 1 && lineIdx !== lines.length - 1 && !continuation) append('\n');
  });
  if (printDepth || blockDepth || commentDepth || inside) {
    throw new InputError(`failed at splitting arguments, either an unbalanced template block or quotes: ${args}`, { code: 'SCHEMA' });
  }
  return params;
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Python's unicode-escape for the sequences Ansible decodes: \\uXXXX, \\UXXXXXXXX, \\xXX, \\n, \\t, \\\\, \\" ... */
export function decodeEscapes(s: string): string {
  return s.replace(/\\U([0-9a-fA-F]{8})|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\([\\'"abfnrtv])/g, (m, u8: string, u4: string, x2: string, c: string) => {
    const hex = u8 ?? u4 ?? x2;
    if (hex !== undefined) {
      const cp = parseInt(hex, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return SIMPLE_ESCAPES[c]!;
  });
}

function isQuoted(s: string): boolean {
  return s.length > 1 && s[0] === s[s.length - 1] && (s[0] === '"' || s[0] === "'") && s[s.length - 2] !== '\\';
}

export function unquote(s: string): string {
  return isQuoted(s) ? s.slice(1, -1) : s;
}

function joinArgs(parts: string[]): string {
  let out = '';
  for (const p of parts) out += out.length === 0 || out.endsWith('\n') ? p : ` ${p}`;
  return out;
}

/** parse_kv: `a=1 b="two words"` → {a: '1', b: 'two words'}; other words → `_raw_params`. */
export function parseKv(args: string, checkRaw = false): Record<string, string> {
  const options: Record<string, string> = {};
  const raw: string[] = [];
  for (const orig of splitArgs(args)) {
    const x = decodeEscapes(orig);
    if (!x.includes('=')) {
      raw.push(orig);
      continue;
    }
    let pos = 0;
    for (;;) {
      pos = x.indexOf('=', pos + 1);
      if (pos === -1 || x[pos - 1] !== '\\') break;
    }
    if (pos === -1) {
      raw.push(x.replace(/\\=/g, '='));
      continue;
    }
    const k = x.slice(0, pos);
    const v = x.slice(pos + 1);
    if (checkRaw && !RAW_OPTIONS.includes(k)) raw.push(orig);
    else options[k.trim()] = unquote(v.trim());
  }
  if (raw.length > 0) options._raw_params = joinArgs(raw);
  return options;
}

type Schema = Record<string, unknown>;

function acceptedTypes(s: Schema | undefined): Set<string> {
  const out = new Set<string>();
  if (!s || Object.keys(s).length === 0) return new Set(['any']);
  if (typeof s.type === 'string') out.add(s.type);
  if (Array.isArray(s.type)) for (const t of s.type) out.add(String(t));
  if (Array.isArray(s.enum)) out.add('string');
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = s[key];
    if (Array.isArray(alts)) for (const a of alts) for (const t of acceptedTypes(a as Schema)) out.add(t);
  }
  return out;
}

const TRUE = ['yes', 'on', '1', 'true', 'y', 't'];
const FALSE = ['no', 'off', '0', 'false', 'n', 'f'];

/**
 * k=v values are text; convert those whose argument takes no text to the type it takes,
 * as Ansible's argument spec does (`backup=yes` → true, `retries=3` → 3). Templates are left for later.
 */
export function coerceKv(schema: Schema, args: Record<string, string>): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    const types = acceptedTypes(props[k]);
    if (types.has('string') || types.has('any') || v.includes('{{')) out[k] = v;
    else if (types.has('boolean') && TRUE.includes(v.toLowerCase())) out[k] = true;
    else if (types.has('boolean') && FALSE.includes(v.toLowerCase())) out[k] = false;
    else if ((types.has('integer') || types.has('number')) && v.trim() !== '' && Number.isFinite(Number(v))) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

/** Python's `format % number` for one conversion: %d %i %u %o %x %X %s %r %c %e %f %g, flags, width, precision. */
export function formatPrintf(format: string, n: number): string | undefined {
  const m = /%([-+ 0#]*)(\d*)(?:\.(\d+))?([diuoxXsrceEfFgG])/.exec(format);
  if (!m) return undefined;
  const [all, flags = '', width = '', prec, conv = 'd'] = m;
  let body: string;
  let sign = n < 0 ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const a = Math.abs(n);
  switch (conv) {
    case 'd':
    case 'i':
    case 'u':
      body = String(Math.trunc(a));
      if (prec !== undefined) body = body.padStart(Number(prec), '0');
      break;
    case 'o':
      body = (flags.includes('#') ? '0o' : '') + a.toString(8);
      break;
    case 'x':
      body = (flags.includes('#') ? '0x' : '') + a.toString(16);
      break;
    case 'X':
      body = (flags.includes('#') ? '0X' : '') + a.toString(16).toUpperCase();
      break;
    case 's':
    case 'r':
      body = String(n);
      sign = '';
      if (prec !== undefined) body = body.slice(0, Number(prec));
      break;
    case 'c':
      body = String.fromCodePoint(n);
      sign = '';
      break;
    case 'e':
    case 'E':
      body = a.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([+-])(\d)$/, 'e$10$2');
      if (conv === 'E') body = body.toUpperCase();
      break;
    case 'f':
    case 'F':
      body = a.toFixed(prec === undefined ? 6 : Number(prec));
      break;
    default:
      body = String(Number(a.toPrecision(prec === undefined ? 6 : Math.max(1, Number(prec)))));
  }
  const w = width === '' ? 0 : Number(width);
  let text = sign + body;
  if (text.length < w) {
    if (flags.includes('-')) text = text.padEnd(w, ' ');
    else if (flags.includes('0') && conv !== 's' && conv !== 'r' && conv !== 'c') text = sign + body.padStart(w - sign.length, '0');
    else text = text.padStart(w, ' ');
  }
  return format.slice(0, m.index) + text + format.slice(m.index + all.length);
}

/** What a module answers to: its argument schema and, for command/shell, the key of its free-form text. */
export interface ArgsShape {
  name: string;
  args: Schema | object;
  freeForm?: string;
}

/**
 * A task's `module: text` argument string, as Ansible reads it: k=v pairs (typed by the
 * module's schema) and, for a free-form module, the rest as its command. Text that is not
 * k=v given to any other module is an error, as in Ansible ("has extra params").
 */
export function stringArgs(mod: ArgsShape, text: string): Record<string, unknown> {
  const kv = parseKv(text, mod.freeForm !== undefined);
  const raw = kv._raw_params;
  delete kv._raw_params;
  const args = coerceKv(mod.args as Schema, kv);
  if (raw !== undefined && raw !== '') {
    if (mod.freeForm === undefined) {
      throw new InputError(`"${raw}" is not key=value: this module takes a mapping or key=value words (only command and shell take free-form text)`, { code: 'SCHEMA' });
    }
    args[mod.freeForm] = raw;
  }
  return args;
}

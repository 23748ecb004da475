/**
 * Handlebars, compiled with strict: true (an undefined variable is an error naming it)
 * and noEscape: true (config files, not HTML). One expression language serves
 * templates, templated variables and `when:`.
 */
import Handlebars from 'handlebars';
import { InputError, type SourceLocation } from '../errors.js';
import { isSecret } from '../util/secret.js';
import { helpers, truthy } from './helpers.js';
import { findJinja, jinjaInExpression } from './jinja.js';

const hb = Handlebars.create();
for (const [name, fn] of Object.entries(helpers)) hb.registerHelper(name, fn);

interface CaptureData {
  /** Handlebars copies the data frame: the holder object is shared, its field is set. */
  captured?: { value?: unknown };
  revealed?: Set<string>;
  /** The variable the shared bare-name template looks up (see evaluateExpression). */
  lookupName?: string;
}

hb.registerHelper('__capture', function (this: unknown, ...args: unknown[]) {
  const options = args[args.length - 1] as Handlebars.HelperOptions;
  const data = options.data as CaptureData;
  if (data.captured) data.captured.value = args[0];
  return '';
});

hb.registerHelper('reveal', function (this: unknown, ...args: unknown[]) {
  const options = args[args.length - 1] as Handlebars.HelperOptions;
  const v = args[0];
  if (!isSecret(v)) return v;
  const data = options.data as CaptureData;
  data.revealed?.add(v.reveal());
  return v.reveal();
});

/** {{{{raw}}}}...{{{{/raw}}}}: the text inside is written as it stands (the escape for Jinja-looking text). */
hb.registerHelper('raw', function (this: unknown, options: Handlebars.HelperOptions) {
  return options.fn(this);
});

const cache = new Map<string, Handlebars.TemplateDelegate>();

function lineColAt(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: index - last };
}

/** Jinja2 syntax is an error, never text written to a host as it stands. */
export function checkJinja(text: string, opts: RenderOptions = {}): void {
  const j = findJinja(text);
  if (!j) return;
  const base = where(opts.origin);
  const location = base && base.line === undefined ? { file: base.file, ...lineColAt(text, j.index) } : base;
  throw new InputError(`Jinja2 syntax ${JSON.stringify(j.found)} is not Handlebars: ${j.hint}`, { code: 'TEMPLATE', location });
}

function compile(text: string, opts: RenderOptions): Handlebars.TemplateDelegate {
  let t = cache.get(text);
  if (!t) {
    checkJinja(text, opts);
    t = hb.compile(text, { strict: true, noEscape: true });
    cache.set(text, t);
    if (cache.size > 5000) cache.delete(cache.keys().next().value as string);
  }
  return t;
}

export interface RenderOptions {
  /** Where the text comes from, for error messages. */
  origin?: SourceLocation | string;
  /** Collects the real values of secrets revealed by {{reveal x}}. */
  revealed?: Set<string>;
}

function where(origin: RenderOptions['origin']): SourceLocation | undefined {
  if (!origin) return undefined;
  return typeof origin === 'string' ? { file: origin } : origin;
}

function translate(err: unknown, text: string, opts: RenderOptions): InputError {
  const e = err as Error & { lineNumber?: number; column?: number };
  const msg = e.message.split('\n')[0] ?? String(err);
  const undef = /^"([^"]+)" not defined in/.exec(msg);
  const base = where(opts.origin);
  let location = base;
  const parseLine = /^Parse error on line (\d+)/.exec(e.message);
  if (base && base.line === undefined && e.lineNumber !== undefined) {
    location = { file: base.file, line: e.lineNumber, column: (e.column ?? 0) + 1 };
  } else if (base && base.line === undefined && parseLine) {
    location = { file: base.file, line: Number(parseLine[1]) };
  }
  const snippet = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  if (undef) {
    return new InputError(`undefined variable "${undef[1]}" in template ${JSON.stringify(snippet)}`, {
      code: 'UNDEFINED_VAR',
      location,
      cause: err,
    });
  }
  const lines = e.message.split('\n');
  const detail = parseLine && lines.length > 1 ? ` (${lines[lines.length - 1]!.replace(/^Expecting /, 'expecting ')})` : '';
  return new InputError(`template error: ${msg.replace(/ - \d+:\d+$/, '').replace(/:$/, '')}${detail} in ${JSON.stringify(snippet)}`, {
    code: 'TEMPLATE',
    location,
    cause: err,
  });
}

/** Text that goes through the template engine: mustaches, and Jinja's {% %} / {# #} (to be refused). */
export function hasTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%') || text.includes('{#');
}

/** Render to a string. */
export function render(text: string, context: object, opts: RenderOptions = {}): string {
  if (!hasTemplate(text)) return text;
  try {
    return compile(text, opts)(context, { data: { revealed: opts.revealed } satisfies CaptureData, allowProtoPropertiesByDefault: true });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw translate(err, text, opts);
  }
}

const SINGLE = /^\{\{\s*([^#/^!>{}&][^{}]*?)\s*\}\}$/;

/**
 * Evaluate a whole-string "{{expr}}" to its raw value (a list stays a list);
 * anything else renders to a string.
 */
export function evaluate(text: string, context: object, opts: RenderOptions = {}): unknown {
  const m = SINGLE.exec(text.trim());
  if (!m) return render(text, context, opts);
  return evaluateExpression(m[1]!, context, opts, text);
}

/** Evaluate a bare expression such as `eq os "debian"` or `enabled` to its raw value. */
export function evaluateExpression(expr: string, context: object, opts: RenderOptions = {}, shown = expr): unknown {
  const e = expr.trim();
  const inner = /\s/.test(e) && !/^\(.*\)$/.test(e) ? `(${e})` : e;
  const data: CaptureData = { revealed: opts.revealed, captured: {} };
  const jinja = jinjaInExpression(e);
  if (jinja) throw new InputError(`Jinja2 expression ${JSON.stringify(shown)} is not Handlebars: ${jinja.hint}`, { code: 'TEMPLATE', location: where(opts.origin) });
  // A bare variable name (most `when:` and "{{var}}" values) shares one compiled template: a
  // param is looked up as `lookup this name` does, so each name need not be compiled.
  const bare = BARE_NAME.test(e) && !NOT_NAMES.has(e);
  if (bare) data.lookupName = e;
  try {
    compile(bare ? LOOKUP_BY_NAME : `{{__capture ${inner}}}`, opts)(context, { data, allowProtoPropertiesByDefault: true });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw translate(err, shown, opts);
  }
  const value = data.captured?.value;
  if (value === undefined && PATH.test(e) && !LITERAL.test(e)) {
    // A bare variable that resolves to nothing is undefined (helper params are lenient in Handlebars).
    throw translate(new Error(`"${e}" not defined in context`), shown, opts);
  }
  return value;
}

const BARE_NAME = /^[A-Za-z_][\w-]*$/;
/** Words Handlebars reads as something else than a variable. */
const NOT_NAMES = new Set(['this', 'else', 'as', 'true', 'false', 'null', 'undefined']);
const LOOKUP_BY_NAME = '{{__capture (lookup this @lookupName)}}';

const PATH = /^(?:this\.|\.\.\/)*[A-Za-z_][\w-]*(?:\.[\w-]+|\.\[[^\]]+\])*$/;
const LITERAL = /^(?:true|false|null|undefined|-?\d+(?:\.\d+)?)$/;

/** `when:` — a boolean, a bare expression, or a "{{...}}" string; a list means all of them. */
export function evaluateCondition(cond: unknown, context: object, opts: RenderOptions = {}): boolean {
  if (Array.isArray(cond)) return cond.every((c) => evaluateCondition(c, context, opts));
  if (typeof cond === 'boolean') return cond;
  if (typeof cond === 'number') return cond !== 0;
  if (cond === null || cond === undefined) return false;
  const s = String(cond).trim();
  if (s.includes('{{')) return truthy(evaluate(s, context, opts));
  return truthy(evaluateExpression(s, context, opts));
}

export { truthy };

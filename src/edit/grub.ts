/**
 * Kernel command line in /etc/default/grub: add/remove arguments in
 * GRUB_CMDLINE_LINUX_DEFAULT (or GRUB_CMDLINE_LINUX), keeping the others and their order.
 *
 * The file is sourced by /bin/sh, so the LAST assignment wins; an assignment that refers to
 * the variable itself (`X="$X quiet"`) extends the previous one. We edit that chain:
 * additions go to the last assignment, replacements and removals happen where the
 * argument is.
 *
 * - `key=value` in args_present: exactly one argument with that key remains, with that value
 *   (`elevator=deadline` becomes `elevator=cfq` in place; duplicates are removed).
 * - a bare `flag` in args_present: present once.
 * - `key=value` in args_absent removes that exact argument; a bare `key` removes `key` and
 *   every `key=...`.
 */
import { InputError, TaskError } from '../errors.js';
import type { EditResult } from './types.js';
import { joinLines, splitLines } from './text.js';

export type GrubVariable = 'GRUB_CMDLINE_LINUX_DEFAULT' | 'GRUB_CMDLINE_LINUX';

export interface GrubArgs {
  args_present?: string[];
  args_absent?: string[];
  variable?: GrubVariable;
}

/** A kernel argument we are willing to write inside quotes without escaping. */
const SAFE_ARG = /^[^\s"'`$\\#;&|<>()]+$/;

interface Assignment {
  lineNo: number;
  prefix: string; // leading whitespace, `export `, `NAME=`
  quote: '"' | "'" | '';
  tokens: string[];
  trailer: string; // whatever follows the value (whitespace + comment)
}

/** Parse `VAR=value` (value: one "..." or '...' or unquoted word). null when not an assignment of VAR. */
export function parseAssignment(line: string, variable: string, lineNo = 0): Assignment | null {
  const m = new RegExp(`^([ \\t]*(?:export[ \\t]+)?${variable}=)(.*)$`).exec(line);
  if (!m) return null;
  const prefix = m[1] as string;
  const rest = m[2] as string;
  let quote: Assignment['quote'] = '';
  let inner: string;
  let trailer: string;
  if (rest.startsWith('"') || rest.startsWith("'")) {
    quote = rest[0] as '"' | "'";
    const end = findClosingQuote(rest, quote);
    if (end < 0) throw new TaskError(`${variable}: unterminated ${quote} quote on line ${lineNo + 1}`);
    inner = rest.slice(1, end);
    trailer = rest.slice(end + 1);
  } else {
    const w = /^[^\s;#"']*/.exec(rest);
    inner = w ? w[0] : '';
    trailer = rest.slice(inner.length);
  }
  if (trailer !== '' && !/^[ \t]*(#.*)?$/.test(trailer)) {
    throw new TaskError(
      `${variable} on line ${lineNo + 1} is too complex to edit safely (${JSON.stringify(line.trim())}); ` +
        'make it a single quoted string',
    );
  }
  const tokens = inner.split(/[ \t]+/).filter((t) => t !== '');
  return { lineNo, prefix, quote, tokens, trailer };
}

function findClosingQuote(s: string, q: string): number {
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (q === '"' && c === '\\') {
      i++;
      continue;
    }
    if (c === q) return i;
  }
  return -1;
}

function render(a: Assignment): string {
  const q = a.quote === '' ? '"' : a.quote;
  return `${a.prefix}${q}${a.tokens.join(' ')}${q}${a.trailer}`;
}

function keyOf(arg: string): string {
  const i = arg.indexOf('=');
  return i < 0 ? arg : arg.slice(0, i);
}

function refersTo(tokens: readonly string[], variable: string): boolean {
  return tokens.some((t) => t.includes(`$${variable}`) || t.includes(`\${${variable}}`));
}

function checkArgs(args: GrubArgs): { present: string[]; absent: string[]; variable: GrubVariable } {
  const present = args.args_present ?? [];
  const absent = args.args_absent ?? [];
  for (const a of [...present, ...absent]) {
    if (!SAFE_ARG.test(a)) throw new InputError(`kernel argument ${JSON.stringify(a)} contains characters that need quoting`);
  }
  for (const p of present) {
    for (const x of absent) {
      if (p === x || (!x.includes('=') && keyOf(p) === x)) {
        throw new InputError(`kernel argument ${JSON.stringify(p)} is both in args_present and args_absent`);
      }
    }
  }
  return { present, absent, variable: args.variable ?? 'GRUB_CMDLINE_LINUX_DEFAULT' };
}

/** A position of one argument inside the assignment chain. */
interface Slot {
  a: Assignment;
  i: number;
}

export function editGrubCmdline(text: string, args: GrubArgs): EditResult {
  const { present, absent, variable } = checkArgs(args);
  const { lines, finalNewline } = splitLines(text);
  const all: Assignment[] = [];
  lines.forEach((line, n) => {
    const a = parseAssignment(line, variable, n);
    if (a) all.push(a);
  });

  const changes: string[] = [];
  if (all.length === 0) {
    if (present.length === 0) return { text, changes };
    const line = `${variable}="${dedupe(present).join(' ')}"`;
    changes.push(`${variable}: add ${dedupe(present).join(' ')} (new assignment)`);
    return { text: joinLines([...lines, line], true), changes };
  }

  // The effective chain: the last assignment, and the previous ones while each refers to itself.
  const chain: Assignment[] = [all[all.length - 1] as Assignment];
  while (refersTo((chain[0] as Assignment).tokens, variable)) {
    const idx = all.indexOf(chain[0] as Assignment);
    if (idx === 0) break;
    chain.unshift(all[idx - 1] as Assignment);
  }
  const last = chain[chain.length - 1] as Assignment;
  const touched = new Set<Assignment>();

  const slots = (pred: (t: string) => boolean): Slot[] => {
    const out: Slot[] = [];
    for (const a of chain) a.tokens.forEach((t, i) => (pred(t) ? out.push({ a, i }) : undefined));
    return out;
  };
  const removeSlots = (ss: Slot[]): void => {
    // Remove from the end so indices stay valid.
    for (const s of [...ss].reverse()) {
      s.a.tokens.splice(s.i, 1);
      touched.add(s.a);
    }
  };

  for (const arg of absent) {
    const pred = arg.includes('=') ? (t: string) => t === arg : (t: string) => keyOf(t) === arg;
    const found = slots(pred);
    if (found.length === 0) continue;
    const names = found.map((s) => s.a.tokens[s.i] as string);
    removeSlots(found);
    changes.push(`${variable}: remove ${names.join(' ')}`);
  }

  for (const arg of dedupe(present)) {
    const isKv = arg.includes('=');
    const key = keyOf(arg);
    const found = slots(isKv ? (t) => !t.startsWith('$') && keyOf(t) === key : (t) => t === arg);
    if (found.length === 0) {
      last.tokens.push(arg);
      touched.add(last);
      changes.push(`${variable}: add ${arg}`);
      continue;
    }
    const first = found[0] as Slot;
    const old = first.a.tokens[first.i] as string;
    if (old !== arg) {
      first.a.tokens[first.i] = arg;
      touched.add(first.a);
      changes.push(`${variable}: replace ${old} with ${arg}`);
    }
    const extra = found.slice(1);
    if (extra.length > 0) {
      const names = extra.map((s) => s.a.tokens[s.i] as string);
      removeSlots(extra);
      changes.push(`${variable}: remove duplicate ${names.join(' ')}`);
    }
  }

  if (changes.length === 0) return { text, changes: [] };
  const out = [...lines];
  for (const a of touched) out[a.lineNo] = render(a);
  return { text: joinLines(out, finalNewline), changes };
}

function dedupe(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** The effective argument list of the variable (for reports and verification). */
export function grubCmdlineArgs(text: string, variable: GrubVariable = 'GRUB_CMDLINE_LINUX_DEFAULT'): string[] | null {
  const { lines } = splitLines(text);
  let value: string[] | null = null;
  lines.forEach((line, n) => {
    const a = parseAssignment(line, variable, n);
    if (!a) return;
    const prev = value ?? [];
    value = a.tokens.flatMap((t) => (t === `$${variable}` || t === `\${${variable}}` ? prev : [t]));
  });
  return value;
}

/**
 * /etc/pam.d/NAME: one rule line placed after (or before) a given rule, never duplicated.
 *
 * A rule is `[-]type control module [args]`; control and args may be bracketed with spaces
 * inside (`[success=1 default=ignore]`). Identity of "the same rule":
 *  - match 'line' (default): same type, control, module and args (whitespace-insensitive);
 *  - match 'module': same type and module (basename); control and args are then updated.
 * An `after`/`before` anchor is a rule line (compared whitespace-insensitively) or, when no
 * line is equal to it, a regular expression tested against each rule line.
 * A rule already present on the wrong side of the anchor is moved next to it.
 */
import { InputError, TaskError } from '../errors.js';
import type { EditResult } from './types.js';
import { joinLines, splitLines } from './text.js';

export interface PamArgs {
  type: string;
  control: string;
  module: string;
  args?: string | string[];
  after?: string;
  before?: string;
  state?: 'present' | 'absent';
  match?: 'line' | 'module';
}

export interface PamRule {
  type: string; // as written, may start with '-'
  control: string;
  module: string;
  args: string[];
}

const TYPES = new Set(['account', 'auth', 'password', 'session']);

/** Split a rule line into words, a bracketed group being one word. */
export function pamWords(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
    if (i >= s.length || s[i] === '#') break;
    let w = '';
    if (s[i] === '[') {
      let depth = 0;
      for (; i < s.length; i++) {
        const c = s[i] as string;
        if (c === '\\' && s[i + 1] === ']') {
          w += '\\]';
          i++;
          continue;
        }
        if (c === '[') depth++;
        if (c === ']') depth--;
        w += c;
        if (depth === 0) {
          i++;
          break;
        }
      }
    } else {
      while (i < s.length && !/\s/.test(s[i] as string)) w += s[i++];
    }
    out.push(w);
  }
  return out;
}

function normWord(w: string): string {
  return w.startsWith('[') ? `[${w.slice(1, -1).trim().split(/\s+/).join(' ')}]` : w;
}

export function parsePamRule(line: string): PamRule | null {
  const t = line.trim();
  if (t === '' || t.startsWith('#') || t.startsWith('@')) return null;
  const w = pamWords(t).map(normWord);
  if (w.length < 3) return null;
  const [type, control, module, ...args] = w as [string, string, string, ...string[]];
  if (!TYPES.has(type.replace(/^-/, '').toLowerCase())) return null;
  return { type, control, module, args };
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function ruleKey(r: PamRule, by: 'line' | 'module'): string {
  const type = r.type.toLowerCase();
  if (by === 'module') return `${type.replace(/^-/, '')} ${baseName(r.module)}`;
  return [type, r.control, baseName(r.module), ...r.args].join(' ');
}

export function renderPamRule(r: PamRule): string {
  const line = `${r.type.padEnd(10)} ${r.control.padEnd(12)} ${r.module}`;
  return r.args.length > 0 ? `${line} ${r.args.join(' ')}` : line;
}

function wanted(args: PamArgs): PamRule {
  const rule: PamRule = {
    type: args.type,
    control: normWord(args.control.trim()),
    module: args.module.trim(),
    args: (typeof args.args === 'string' ? pamWords(args.args) : (args.args ?? []).flatMap((a) => pamWords(a))).map(normWord),
  };
  if (!TYPES.has(rule.type.replace(/^-/, '').toLowerCase())) {
    throw new InputError(`pam: type must be account, auth, password or session (got ${JSON.stringify(args.type)})`);
  }
  if (rule.control === '' || /\s/.test(rule.control.replace(/^\[.*\]$/, 'x'))) {
    throw new InputError(`pam: bad control ${JSON.stringify(args.control)}`);
  }
  if (rule.module === '' || /\s/.test(rule.module)) throw new InputError(`pam: bad module ${JSON.stringify(args.module)}`);
  if (args.after !== undefined && args.before !== undefined) throw new InputError('pam: use after or before, not both');
  return rule;
}

/** Index of the anchor rule in lines, or -1. */
function findAnchor(lines: readonly string[], anchor: string): number {
  const ar = parsePamRule(anchor);
  if (ar) {
    const key = ruleKey(ar, 'line');
    const i = lines.findIndex((l) => {
      const r = parsePamRule(l);
      return r !== null && ruleKey(r, 'line') === key;
    });
    if (i >= 0) return i;
  }
  let re: RegExp;
  try {
    re = new RegExp(anchor);
  } catch (err) {
    throw new InputError(`pam: anchor ${JSON.stringify(anchor)} is neither a rule in the file nor a valid regex`, { cause: err });
  }
  return lines.findIndex((l) => parsePamRule(l) !== null && re.test(l.trim()));
}

export function editPam(text: string, args: PamArgs, file = 'pam file'): EditResult {
  const rule = wanted(args);
  const by = args.match ?? 'line';
  const key = ruleKey(rule, by);
  const { lines, finalNewline } = splitLines(text);
  const found = lines.map((l, n) => ({ n, r: parsePamRule(l) })).filter((x) => x.r !== null && ruleKey(x.r, by) === key);
  const line = renderPamRule(rule);

  if ((args.state ?? 'present') === 'absent') {
    if (found.length === 0) return { text, changes: [] };
    const drop = new Set(found.map((f) => f.n));
    return {
      text: joinLines(
        lines.filter((_l, n) => !drop.has(n)),
        finalNewline,
      ),
      changes: [`${file}: remove "${line.replace(/\s+/g, ' ')}"${found.length > 1 ? ` (${found.length} lines)` : ''}`],
    };
  }

  const anchorText = args.after ?? args.before;
  let anchor = -1;
  if (anchorText !== undefined) {
    anchor = findAnchor(lines, anchorText);
    if (anchor < 0) throw new TaskError(`pam: ${file} has no rule matching ${JSON.stringify(anchorText)} to place the rule ${args.after !== undefined ? 'after' : 'before'}`);
  }
  const placedWell = (n: number): boolean =>
    anchor < 0 ? true : args.after !== undefined ? n > anchor : n < anchor;

  const keep = found.find((f) => placedWell(f.n));
  const changes: string[] = [];
  const out: Array<string | null> = [...lines];
  const oneLine = line.replace(/\s+/g, ' ');
  if (keep) {
    const r = keep.r as PamRule;
    if (ruleKey(r, 'line') !== ruleKey(rule, 'line')) {
      out[keep.n] = line;
      changes.push(`${file}: update line ${keep.n + 1} to "${oneLine}"`);
    }
  }
  const others = found.filter((f) => f !== keep);
  for (const f of others) out[f.n] = null;
  if (!keep) {
    if (found.length > 0) changes.push(`${file}: move "${oneLine}" ${args.after !== undefined ? 'after' : 'before'} line ${anchor + 1}`);
    else changes.push(`${file}: add "${oneLine}"${anchor >= 0 ? ` ${args.after !== undefined ? 'after' : 'before'} line ${anchor + 1}` : ''}`);
  } else if (others.length > 0) {
    changes.push(`${file}: remove duplicate line${others.length > 1 ? 's' : ''} ${others.map((f) => f.n + 1).join(', ')}`);
  }
  if (changes.length === 0) return { text, changes };

  const result: string[] = [];
  out.forEach((l, n) => {
    if (!keep && anchor >= 0 && args.before !== undefined && n === anchor) result.push(line);
    if (l !== null) result.push(l);
    if (!keep && anchor >= 0 && args.after !== undefined && n === anchor) result.push(line);
  });
  if (!keep && anchor < 0) result.push(line);
  return { text: joinLines(result, finalNewline || (!keep && anchor < 0)), changes };
}

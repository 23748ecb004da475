/**
 * sshd_config planner over the main file and the files it includes.
 *
 * sshd reads the main file top to bottom, reading included files (globs expanded in lexical
 * order) where the Include line is; for most keywords the FIRST value read wins. A Match line
 * starts a block that lasts until the next Match or the end of the file it is in (a Match in
 * an included file ends with that file). Global settings are directives outside any block.
 *
 * For each global setting KEY = V the target state is: the effective (first) value is V and no
 * active global line anywhere says otherwise. When that does not hold, the main file gets the
 * line (its first KEY line is rewritten, or a new line goes after the `#KEY ...` default
 * comment, or before the first Match block, or at the end), and every other global KEY line
 * with a different value is commented out, in whatever file it is; the summary says where and
 * whether that line used to win.
 *
 * Keywords that accumulate (AllowUsers, Port, HostKey, ...) are compared as sets: all their
 * global lines together must give exactly the declared values.
 *
 * Match blocks are left alone, except the ones named in `match_blocks` (main file only).
 */
import { InputError } from '../errors.js';
import type { EditResult } from './types.js';
import { joinLines, splitLines } from './text.js';
import {
  type Directive,
  includePath,
  normCriteria,
  parseDirective,
  quoteArg,
  renderDirective,
  sameValues,
  splitArgs,
} from './sshd_parse.js';

export type SshdValue = string | number | boolean | Array<string | number> | null;
export type SshdSettings = Record<string, SshdValue>;

export interface SshdArgs {
  settings?: SshdSettings;
  /** Criteria ("User anoncvs") -> settings inside that Match block of the main file. */
  match_blocks?: Record<string, SshdSettings>;
}

/** What was read from the host. */
export interface SshdSource {
  mainPath: string;
  /** path -> text for the main file and every included file that exists (main may be absent). */
  files: ReadonlyMap<string, string>;
  /** Absolute include pattern -> the files it matched, in the order sshd reads them. */
  globs: ReadonlyMap<string, readonly string[]>;
}

export interface SshdFileEdit {
  path: string;
  before: string;
  after: string;
  changes: string[];
}

export interface SshdPlan {
  edits: SshdFileEdit[];
  /** Include patterns found in the files but missing from `globs` (to expand and plan again). */
  unresolved: string[];
}

/** Keywords whose lines add up instead of the first one winning. */
const ACCUMULATE = new Set([
  'acceptenv',
  'allowgroups',
  'allowusers',
  'denygroups',
  'denyusers',
  'hostkey',
  'hostcertificate',
  'listenaddress',
  'port',
  'subsystem',
]);
/** Of those, the ones that take one value (or one value line) per line. */
const ONE_PER_LINE = new Set(['hostkey', 'hostcertificate', 'listenaddress', 'port', 'subsystem']);

const MAX_DEPTH = 16;

interface Entry {
  file: string;
  lineNo: number;
  d: Directive;
  /** null = global scope; otherwise the Match criteria that guard the line. */
  scope: string | null;
}

/** Every directive in the order sshd reads it. */
export function readStream(src: SshdSource): { entries: Entry[]; unresolved: string[] } {
  const entries: Entry[] = [];
  const unresolved: string[] = [];
  const walk = (path: string, depth: number, inherited: string | null): void => {
    const text = src.files.get(path);
    if (text === undefined || depth > MAX_DEPTH) return;
    let scope = inherited;
    splitLines(text).lines.forEach((line, lineNo) => {
      const d = parseDirective(line);
      if (!d) return;
      if (d.keyword === 'match') {
        const c = normCriteria(d.values);
        scope = inherited === null ? c : `${inherited} && ${c}`;
        entries.push({ file: path, lineNo, d, scope });
        return;
      }
      entries.push({ file: path, lineNo, d, scope });
      if (d.keyword !== 'include') return;
      for (const pat of d.values) {
        const abs = includePath(pat);
        const files = src.globs.get(abs);
        if (files === undefined) {
          if (!unresolved.includes(abs)) unresolved.push(abs);
          continue;
        }
        for (const f of files) walk(f, depth + 1, scope);
      }
    });
  };
  walk(src.mainPath, 0, null);
  return { entries, unresolved };
}

/** Every Include pattern named in the given texts (absolute). */
export function includePatterns(texts: Iterable<string>): string[] {
  const out: string[] = [];
  for (const t of texts) {
    for (const line of splitLines(t).lines) {
      const d = parseDirective(line);
      if (d?.keyword === 'include') for (const p of d.values) out.push(includePath(p));
    }
  }
  return [...new Set(out)];
}

/** A file's lines with pending edits: replacements, insertions before/after a line, appends. */
class FileBuf {
  readonly lines: string[];
  readonly finalNewline: boolean;
  readonly repl = new Map<number, string[]>();
  readonly before = new Map<number, string[]>();
  readonly after = new Map<number, string[]>();
  readonly tail: string[] = [];
  readonly changes: string[] = [];
  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    const s = splitLines(text);
    this.lines = s.lines;
    this.finalNewline = s.finalNewline;
  }
  replace(n: number, lines: string[]): void {
    this.repl.set(n, lines);
  }
  insertAfter(n: number, lines: string[]): void {
    this.after.set(n, [...(this.after.get(n) ?? []), ...lines]);
  }
  insertBefore(n: number, lines: string[]): void {
    this.before.set(n, [...(this.before.get(n) ?? []), ...lines]);
  }
  commentOut(n: number): void {
    this.repl.set(n, [`#${this.lines[n] as string}`]);
  }
  render(): string {
    const out: string[] = [];
    this.lines.forEach((l, n) => {
      out.push(...(this.before.get(n) ?? []), ...(this.repl.get(n) ?? [l]), ...(this.after.get(n) ?? []));
    });
    out.push(...this.tail);
    return joinLines(out, this.finalNewline || this.tail.length > 0);
  }
}

const KEYWORD = /^[A-Za-z][A-Za-z0-9]*$/;

function checkKey(key: string): void {
  if (!KEYWORD.test(key)) throw new InputError(`sshd_config: ${JSON.stringify(key)} is not a keyword`);
  const k = key.toLowerCase();
  if (k === 'match' || k === 'include') {
    throw new InputError(`sshd_config: ${key} cannot be a setting (use match_blocks for Match blocks)`);
  }
}

/** The declared value as words (or, for one-per-line keywords, as a list of value lines). */
export function valueWords(key: string, v: Exclude<SshdValue, null>): string[][] {
  const k = key.toLowerCase();
  const scalar = (x: unknown): boolean => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
  if (!scalar(v) && !(Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'))) {
    throw new InputError(`sshd_config: ${key} must be a string, number, boolean, list or null`);
  }
  const words = (s: string | number | boolean): string[] => {
    const str = typeof s === 'boolean' ? (s ? 'yes' : 'no') : String(s);
    if (/[\r\n]/.test(str)) throw new InputError(`sshd_config: ${key} value contains a newline`);
    const t = splitArgs(str).tokens;
    if (t.length === 0) throw new InputError(`sshd_config: ${key} needs a value`);
    return t;
  };
  if (ONE_PER_LINE.has(k)) return (Array.isArray(v) ? v : [v]).map(words);
  if (Array.isArray(v)) {
    if (v.length === 0) throw new InputError(`sshd_config: ${key} needs a value`);
    return [
      v.map((x) => {
        const s = String(x);
        if (s === '' || /[\r\n]/.test(s)) throw new InputError(`sshd_config: ${key} has an empty or multi-line value`);
        return s;
      }),
    ];
  }
  return [words(v)];
}

function show(values: readonly string[]): string {
  return values.map(quoteArg).join(' ');
}

function where(e: Entry): string {
  return `${e.file}:${e.lineNo + 1}`;
}

/** Line index of the first active Match in a file's lines, or -1. */
function firstMatchLine(lines: readonly string[]): number {
  return lines.findIndex((l) => parseDirective(l)?.keyword === 'match');
}

class Planner {
  readonly bufs = new Map<string, FileBuf>();
  readonly main: FileBuf;
  constructor(
    readonly src: SshdSource,
    readonly entries: Entry[],
  ) {
    this.main = this.buf(src.mainPath);
  }

  buf(path: string): FileBuf {
    let b = this.bufs.get(path);
    if (!b) {
      b = new FileBuf(path, this.src.files.get(path) ?? '');
      this.bufs.set(path, b);
    }
    return b;
  }

  note(path: string, msg: string): void {
    this.buf(path).changes.push(msg);
  }

  /** Where a new global line for `key` goes in the main file. */
  insertGlobal(key: string, lines: string[]): string {
    const m = this.main;
    const end = firstMatchLine(m.lines);
    const limit = end < 0 ? m.lines.length : end;
    const defaultRe = new RegExp(`^[ \\t]*#${key}([ \\t=]|$)`, 'i');
    for (let n = 0; n < limit; n++) {
      if (defaultRe.test(m.lines[n] as string)) {
        m.insertAfter(n, lines);
        return `after line ${n + 1}`;
      }
    }
    if (end >= 0) {
      let at = end;
      while (at > 0 && /^[ \t]*#/.test(m.lines[at - 1] as string)) at--;
      m.insertBefore(at, lines);
      return `before the Match blocks (line ${at + 1})`;
    }
    m.tail.push(...lines);
    return 'at the end';
  }

  global(key: string, value: SshdValue): void {
    const k = key.toLowerCase();
    const occ = this.entries.filter((e) => e.scope === null && e.d.keyword === k);
    const mainPath = this.src.mainPath;
    if (value === null) {
      for (const e of occ) {
        this.buf(e.file).commentOut(e.lineNo);
        this.note(e.file, `${key}: comment out "${e.d.values.join(' ')}" at ${where(e)}`);
      }
      return;
    }
    const want = valueWords(key, value);
    if (ACCUMULATE.has(k)) return this.accumulating(key, occ, want);

    const words = want[0] as string[];
    const first = occ[0];
    const contradicting = occ.filter((e) => !sameValues(e.d.values, words));
    if (first && sameValues(first.d.values, words) && contradicting.length === 0) return;

    const mainOcc = occ.find((e) => e.file === mainPath);
    let chosen: Entry | undefined = mainOcc;
    if (mainOcc) {
      if (!sameValues(mainOcc.d.values, words)) {
        this.main.replace(mainOcc.lineNo, [renderDirective(mainOcc.d, words)]);
        this.note(mainPath, `${key}: set to ${show(words)} (was ${show(mainOcc.d.values)}) at ${where(mainOcc)}`);
      }
    } else if (!first || !sameValues(first.d.values, words)) {
      const pos = this.insertGlobal(key, [`${key} ${show(words)}`]);
      this.note(mainPath, `${key}: add "${key} ${show(words)}" to ${mainPath} ${pos}`);
    } else {
      chosen = first; // the effective line is right; only later contradicting lines remain
    }
    for (const e of contradicting) {
      if (e === chosen) continue;
      this.buf(e.file).commentOut(e.lineNo);
      const role = e === first ? `it was read first and won over ${mainPath}` : 'it had no effect but contradicted the setting';
      this.note(e.file, `${key}: comment out "${e.d.keywordRaw} ${show(e.d.values)}" at ${where(e)} (${role})`);
    }
  }

  accumulating(key: string, occ: Entry[], want: string[][]): void {
    const k = key.toLowerCase();
    const perLine = ONE_PER_LINE.has(k);
    const norm = (ws: readonly string[]): string => ws.join(' ');
    const have = perLine ? occ.map((e) => norm(e.d.values)) : occ.flatMap((e) => e.d.values);
    const wantItems = perLine ? want.map(norm) : (want[0] as string[]);
    const hs = new Set(have);
    const ws = new Set(wantItems);
    if (hs.size === ws.size && [...ws].every((w) => hs.has(w)) && have.length === wantItems.length) return;

    const lines = perLine ? want.map((w) => `${key} ${show(w)}`) : [`${key} ${show(wantItems)}`];
    const mainPath = this.src.mainPath;
    const anchor = occ.find((e) => e.file === mainPath);
    const was = `was ${have.length > 0 ? have.join(', ') : 'unset'}`;
    if (anchor) {
      const indent = anchor.d.indent;
      const next = lines.map((l) => indent + l);
      if (next.length !== 1 || !sameValues(anchor.d.values, perLine ? (want[0] as string[]) : wantItems)) {
        this.main.replace(anchor.lineNo, next);
        this.note(mainPath, `${key}: set to ${wantItems.join(', ')} at ${where(anchor)} (${was})`);
      }
    } else {
      const pos = this.insertGlobal(key, lines);
      this.note(mainPath, `${key}: add ${wantItems.join(', ')} to ${mainPath} ${pos} (${was})`);
    }
    for (const e of occ) {
      if (e === anchor) continue;
      this.buf(e.file).commentOut(e.lineNo);
      this.note(e.file, `${key}: comment out "${e.d.keywordRaw} ${show(e.d.values)}" at ${where(e)} (${key} lines add up; the declared list replaces them)`);
    }
  }

  matchBlock(criteria: string, settings: SshdSettings): void {
    const crit = normCriteria(splitArgs(criteria).tokens);
    if (crit === '') throw new InputError('sshd_config: match_blocks needs criteria such as "User anoncvs"');
    const m = this.main;
    // Blocks of the main file: [start, end) line ranges.
    let start = -1;
    let end = m.lines.length;
    for (let n = 0; n < m.lines.length; n++) {
      const d = parseDirective(m.lines[n] as string);
      if (d?.keyword !== 'match') continue;
      if (start >= 0) {
        end = n;
        break;
      }
      if (normCriteria(d.values) === crit) start = n;
    }
    const path = this.src.mainPath;
    if (start < 0) {
      const body: string[] = [];
      for (const [key, v] of Object.entries(settings)) {
        checkKey(key);
        if (v === null) continue;
        for (const w of valueWords(key, v)) body.push(`    ${key} ${show(w)}`);
      }
      if (body.length === 0) return;
      m.tail.push(`Match ${criteria.trim()}`, ...body);
      this.note(path, `Match ${criteria.trim()}: add block with ${body.map((b) => b.trim()).join('; ')}`);
      return;
    }
    const inBlock: Array<{ n: number; d: Directive }> = [];
    for (let n = start + 1; n < end; n++) {
      const d = parseDirective(m.lines[n] as string);
      if (d) inBlock.push({ n, d });
    }
    const indent = inBlock[0]?.d.indent ?? '    ';
    const lastLine = inBlock.length > 0 ? (inBlock[inBlock.length - 1] as { n: number }).n : start;
    for (const [key, v] of Object.entries(settings)) {
      checkKey(key);
      const k = key.toLowerCase();
      const occ = inBlock.filter((x) => x.d.keyword === k);
      if (v === null) {
        for (const o of occ) {
          m.commentOut(o.n);
          this.note(path, `Match ${crit}: ${key}: comment out line ${o.n + 1}`);
        }
        continue;
      }
      const words = valueWords(key, v)[0] as string[];
      const first = occ[0];
      if (!first) {
        m.insertAfter(lastLine, [`${indent}${key} ${show(words)}`]);
        this.note(path, `Match ${crit}: add "${key} ${show(words)}"`);
        continue;
      }
      if (!sameValues(first.d.values, words)) {
        m.replace(first.n, [renderDirective(first.d, words)]);
        this.note(path, `Match ${crit}: ${key}: set to ${show(words)} (was ${show(first.d.values)}) at line ${first.n + 1}`);
      }
      for (const o of occ.slice(1)) {
        if (sameValues(o.d.values, words)) continue;
        m.commentOut(o.n);
        this.note(path, `Match ${crit}: ${key}: comment out "${show(o.d.values)}" at line ${o.n + 1}`);
      }
    }
  }
}

/** Plan the edits that make the settings effective. Pure: the source is what was read. */
export function planSshd(src: SshdSource, args: SshdArgs): SshdPlan {
  const { entries, unresolved } = readStream(src);
  const p = new Planner(src, entries);
  for (const [key, value] of Object.entries(args.settings ?? {})) {
    checkKey(key);
    p.global(key, value);
  }
  for (const [criteria, settings] of Object.entries(args.match_blocks ?? {})) p.matchBlock(criteria, settings);
  const edits: SshdFileEdit[] = [];
  for (const b of p.bufs.values()) {
    const after = b.render();
    if (after === b.text) continue;
    edits.push({ path: b.path, before: b.text, after, changes: b.changes });
  }
  return { edits, unresolved };
}

/** Single-file convenience (no includes resolved): the main text in, the main text out. */
export function editSshdConfig(text: string, args: SshdArgs, path = '/etc/ssh/sshd_config'): EditResult {
  const plan = planSshd({ mainPath: path, files: new Map([[path, text]]), globs: new Map() }, args);
  const e = plan.edits.find((x) => x.path === path);
  return e ? { text: e.after, changes: e.changes } : { text, changes: [] };
}

/** The effective global values (first wins; accumulating keywords add up), for reports. */
export function effectiveSettings(src: SshdSource): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of readStream(src).entries) {
    if (e.scope !== null || e.d.keyword === 'include') continue;
    const cur = out.get(e.d.keyword);
    if (ACCUMULATE.has(e.d.keyword)) {
      const item = ONE_PER_LINE.has(e.d.keyword) ? [e.d.values.join(' ')] : e.d.values;
      out.set(e.d.keyword, [...(cur ?? []), ...item]);
    } else if (!cur) out.set(e.d.keyword, e.d.values);
  }
  return out;
}

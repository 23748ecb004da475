/**
 * /etc/fstab: one entry by mount point. Options are added/removed one by one without
 * duplicating; `key=value` options replace the same key in place; adding `noexec` removes
 * `exec` (and the like). Whitespace between fields (spaces, tabs, alignment) is kept.
 */
import { InputError } from '../errors.js';
import type { EditResult } from './types.js';
import { joinLines, splitLines } from './text.js';

export interface FstabEntryArgs {
  /** Mount point (second field). */
  path: string;
  src?: string;
  fstype?: string;
  /** Full option string; exclusive with options_present/options_absent. */
  opts?: string;
  options_present?: string | string[];
  options_absent?: string | string[];
  dump?: number | string;
  passno?: number | string;
  state?: 'present' | 'absent';
}

export interface FstabEdit extends EditResult {
  /** The entry as it is after the edit (null when absent). */
  entry: FstabEntry | null;
  /** True when the options of an existing entry changed (a remount would apply them). */
  optionsChanged: boolean;
  /** True when a new entry was added. */
  added: boolean;
}

export interface FstabEntry {
  src: string;
  path: string;
  fstype: string;
  opts: string;
  dump?: string;
  passno?: string;
}

/** Pairs that cancel each other: adding one removes the other. */
const OPPOSITES: Record<string, string> = {
  ro: 'rw',
  rw: 'ro',
  exec: 'noexec',
  noexec: 'exec',
  suid: 'nosuid',
  nosuid: 'suid',
  dev: 'nodev',
  nodev: 'dev',
  auto: 'noauto',
  noauto: 'auto',
  user: 'nouser',
  nouser: 'user',
  atime: 'noatime',
  noatime: 'atime',
  diratime: 'nodiratime',
  nodiratime: 'diratime',
  relatime: 'norelatime',
  norelatime: 'relatime',
  sync: 'async',
  async: 'sync',
  mand: 'nomand',
  nomand: 'mand',
  iversion: 'noiversion',
  noiversion: 'iversion',
};

/** Decode fstab octal escapes (\040 for a space). */
export function fstabDecode(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Encode a field for fstab: whitespace and backslashes as octal escapes. */
export function fstabEncode(s: string): string {
  return s.replace(/[\s\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** Split an option string on commas outside double quotes (SELinux contexts contain commas). */
export function splitOptions(opts: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQ = false;
  for (const c of opts) {
    if (c === '"') inQ = !inQ;
    if (c === ',' && !inQ) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((o) => o.trim()).filter((o) => o !== '');
}

function optionList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (typeof v === 'string' ? [v] : v).flatMap(splitOptions);
}

function keyOf(opt: string): string {
  const i = opt.indexOf('=');
  return i < 0 ? opt : opt.slice(0, i);
}

/** A parsed non-comment line: fields and the whitespace around them. */
interface EntryLine {
  lineNo: number;
  lead: string;
  fields: string[];
  seps: string[]; // seps[i] follows fields[i]
  trail: string;
}

function parseEntryLine(line: string, lineNo: number): EntryLine | null {
  if (/^\s*(#|$)/.test(line)) return null;
  const lead = (/^[ \t]*/.exec(line) as RegExpExecArray)[0];
  const body = line.slice(lead.length);
  const trail = (/[ \t]*$/.exec(body) as RegExpExecArray)[0];
  const core = body.slice(0, body.length - trail.length);
  const parts = core.split(/([ \t]+)/);
  const fields: string[] = [];
  const seps: string[] = [];
  parts.forEach((p, i) => (i % 2 === 0 ? fields.push(p) : seps.push(p)));
  return { lineNo, lead, fields, seps, trail };
}

function renderEntryLine(e: EntryLine): string {
  let s = e.lead;
  e.fields.forEach((f, i) => {
    s += f;
    if (i < e.fields.length - 1) s += e.seps[i] ?? ' ';
  });
  return s + e.trail;
}

function toEntry(e: EntryLine): FstabEntry {
  const [src = '', path = '', fstype = '', opts = '', dump, passno] = e.fields;
  return { src, path: fstabDecode(path), fstype, opts, dump, passno };
}

export function parseFstab(text: string): FstabEntry[] {
  const out: FstabEntry[] = [];
  splitLines(text).lines.forEach((l, n) => {
    const e = parseEntryLine(l, n);
    if (e && e.fields.length >= 2) out.push(toEntry(e));
  });
  return out;
}

/** A whole fstab line ("none /sys/fs/cgroup cgroup a,b 0 0") as entry arguments. */
export function entryArgsFromLine(line: string): FstabEntryArgs {
  const e = parseEntryLine(line, 0);
  if (!e || e.fields.length < 4 || e.fields.length > 6) {
    throw new InputError(`fstab line ${JSON.stringify(line)} must have 4 to 6 fields`);
  }
  const [src, path, fstype, opts, dump = '0', passno = '0'] = e.fields as [string, string, string, string, ...string[]];
  return { src, path: fstabDecode(path), fstype, opts, dump, passno };
}

/** Apply options_present/options_absent to an option list; returns the new list and summaries. */
export function editOptions(
  current: readonly string[],
  present: readonly string[],
  absent: readonly string[],
): { opts: string[]; changes: string[] } {
  const opts = [...current];
  const changes: string[] = [];
  for (const x of absent) {
    const pred = x.includes('=') ? (o: string) => o === x : (o: string) => keyOf(o) === x;
    const removed = opts.filter(pred);
    if (removed.length === 0) continue;
    for (let i = opts.length - 1; i >= 0; i--) if (pred(opts[i] as string)) opts.splice(i, 1);
    changes.push(`remove option ${[...new Set(removed)].join(',')}`);
  }
  for (const p of [...new Set(present)]) {
    const key = keyOf(p);
    const opposite = p.includes('=') ? undefined : OPPOSITES[p];
    if (opposite) {
      const idx = opts.indexOf(opposite);
      if (idx >= 0 && !opts.includes(p)) {
        opts[idx] = p;
        for (let i = opts.length - 1; i > idx; i--) if (opts[i] === opposite) opts.splice(i, 1);
        changes.push(`replace option ${opposite} with ${p}`);
        continue;
      }
      for (let i = opts.length - 1; i >= 0; i--) {
        if (opts[i] === opposite) {
          opts.splice(i, 1);
          changes.push(`remove option ${opposite}`);
        }
      }
    }
    const same = p.includes('=') ? (o: string) => keyOf(o) === key : (o: string) => o === p;
    const idxs = opts.map((o, i) => (same(o) ? i : -1)).filter((i) => i >= 0);
    if (idxs.length === 0) {
      opts.push(p);
      changes.push(`add option ${p}`);
      continue;
    }
    const first = idxs[0] as number;
    if (opts[first] !== p) {
      changes.push(`replace option ${opts[first] as string} with ${p}`);
      opts[first] = p;
    }
    if (idxs.length > 1) {
      for (const i of idxs.slice(1).reverse()) opts.splice(i, 1);
      changes.push(`remove duplicate option ${p}`);
    }
  }
  if (opts.length === 0 && current.length > 0) opts.push('defaults');
  return { opts, changes };
}

function str(v: number | string | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}

function validate(args: FstabEntryArgs): void {
  if (!args.path) throw new InputError('fstab: path (the mount point) is required');
  if (args.opts !== undefined && (args.options_present !== undefined || args.options_absent !== undefined)) {
    throw new InputError('fstab: use either opts (the full option string) or options_present/options_absent');
  }
  for (const [k, v] of [
    ['dump', args.dump],
    ['passno', args.passno],
  ] as const) {
    if (v !== undefined && !/^\d+$/.test(String(v))) throw new InputError(`fstab: ${k} must be a number`);
  }
  for (const [k, v] of [
    ['src', args.src],
    ['fstype', args.fstype],
    ['opts', args.opts],
  ] as const) {
    if (v !== undefined && (v === '' || /\s/.test(v))) throw new InputError(`fstab: ${k} must be one non-empty word`);
  }
}

export function editFstab(text: string, args: FstabEntryArgs): FstabEdit {
  validate(args);
  const { lines, finalNewline } = splitLines(text);
  const state = args.state ?? 'present';
  const matches: EntryLine[] = [];
  lines.forEach((l, n) => {
    const e = parseEntryLine(l, n);
    if (e && e.fields.length >= 2 && fstabDecode(e.fields[1] as string) === args.path) matches.push(e);
  });
  const mp = args.path;

  if (state === 'absent') {
    if (matches.length === 0) return { text, changes: [], entry: null, optionsChanged: false, added: false };
    const drop = new Set(matches.map((m) => m.lineNo));
    return {
      text: joinLines(
        lines.filter((_l, n) => !drop.has(n)),
        finalNewline,
      ),
      changes: [`${mp}: remove entry${matches.length > 1 ? `s (${matches.length} lines)` : ''}`],
      entry: null,
      optionsChanged: false,
      added: false,
    };
  }

  const present = optionList(args.options_present);
  const absent = optionList(args.options_absent);

  if (matches.length === 0) {
    if (!args.src || !args.fstype) {
      throw new InputError(`fstab: ${mp} has no entry yet, so src and fstype are required to add one`);
    }
    const opts = args.opts ?? (editOptions(['defaults'], present, absent).opts.join(',') || 'defaults');
    const entry: FstabEntry = {
      src: args.src,
      path: mp,
      fstype: args.fstype,
      opts,
      dump: str(args.dump) ?? '0',
      passno: str(args.passno) ?? '0',
    };
    const line = [entry.src, fstabEncode(mp), entry.fstype, entry.opts, entry.dump, entry.passno].join(' ');
    return {
      text: joinLines([...lines, line], true),
      changes: [`${mp}: add entry "${line}"`],
      entry,
      optionsChanged: false,
      added: true,
    };
  }

  const e = matches[0] as EntryLine;
  const changes: string[] = [];
  let optionsChanged = false;
  const setField = (i: number, v: string | undefined, name: string): void => {
    if (v === undefined) return;
    while (e.fields.length <= i) {
      // Missing optional fields (dump/passno) default to 0 when we must write a later one.
      e.fields.push('0');
    }
    if (e.fields[i] !== v) {
      changes.push(`${mp}: ${name} ${e.fields[i] ?? ''} -> ${v}`);
      e.fields[i] = v;
    }
  };
  setField(0, args.src, 'device');
  setField(2, args.fstype, 'fstype');
  if (args.opts !== undefined) {
    const before = e.fields[3];
    setField(3, args.opts, 'options');
    optionsChanged = before !== e.fields[3];
  } else if (present.length > 0 || absent.length > 0) {
    const cur = splitOptions(e.fields[3] ?? 'defaults');
    const r = editOptions(cur, present, absent);
    if (r.changes.length > 0) {
      e.fields[3] = r.opts.join(',');
      for (const c of r.changes) changes.push(`${mp}: ${c}`);
      optionsChanged = true;
    }
  }
  setField(4, str(args.dump), 'dump');
  setField(5, str(args.passno), 'passno');

  const out = [...lines];
  if (changes.length > 0) out[e.lineNo] = renderEntryLine(e);
  const dups = matches.slice(1);
  if (dups.length > 0) {
    const drop = new Set(dups.map((d) => d.lineNo));
    changes.push(`${mp}: remove ${dups.length} duplicate entr${dups.length > 1 ? 'ies' : 'y'} (line ${dups.map((d) => d.lineNo + 1).join(', ')})`);
    const kept = out.filter((_l, n) => !drop.has(n));
    return { text: joinLines(kept, finalNewline), changes, entry: toEntry(e), optionsChanged, added: false };
  }
  if (changes.length === 0) return { text, changes, entry: toEntry(e), optionsChanged: false, added: false };
  return { text: joinLines(out, finalNewline), changes, entry: toEntry(e), optionsChanged, added: false };
}

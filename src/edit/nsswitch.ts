/**
 * /etc/nsswitch.conf: the source list of one database (`passwd: compat unbit`).
 * Sources are service names, each optionally followed by an action item `[NOTFOUND=return]`
 * that belongs to it (removing a source removes its action items too).
 */
import { InputError } from '../errors.js';
import type { EditResult } from './types.js';
import { joinLines, splitLines } from './text.js';

export interface NsswitchArgs {
  database: string;
  /** The exact list (services and action items), replaces the line's sources. */
  sources?: string[];
  sources_present?: string[];
  sources_absent?: string[];
}

interface DbLine {
  lineNo: number;
  head: string; // "passwd:" plus the whitespace after it
  tokens: string[];
  comment: string; // from '#', with the whitespace before it
}

/** Split sources keeping "[A=b C=d]" action items as one token. */
export function splitSources(s: string): string[] {
  const out: string[] = [];
  const re = /\[[^\]]*\]|[^\s[]+/g;
  for (const m of s.matchAll(re)) out.push(m[0].startsWith('[') ? `[${m[0].slice(1, -1).trim().split(/\s+/).join(' ')}]` : m[0]);
  return out;
}

function parseLine(line: string, lineNo: number): (DbLine & { db: string }) | null {
  const m = /^([ \t]*)([A-Za-z0-9_-]+)([ \t]*:[ \t]*)([^#]*?)([ \t]*#.*)?$/.exec(line);
  if (!m) return null;
  const [, lead = '', db = '', colon = '', rest = '', comment = ''] = m;
  return { lineNo, db: db.toLowerCase(), head: `${lead}${db}${colon}`, tokens: splitSources(rest), comment };
}

function isAction(t: string): boolean {
  return t.startsWith('[');
}

function check(args: NsswitchArgs): void {
  if (!/^[A-Za-z0-9_-]+$/.test(args.database)) throw new InputError(`nsswitch: bad database name ${JSON.stringify(args.database)}`);
  if (args.sources !== undefined && (args.sources_present !== undefined || args.sources_absent !== undefined)) {
    throw new InputError('nsswitch: use either sources (the exact list) or sources_present/sources_absent');
  }
  for (const s of [...(args.sources ?? []), ...(args.sources_present ?? []), ...(args.sources_absent ?? [])]) {
    if (s.trim() === '' || /[#\n]/.test(s)) throw new InputError(`nsswitch: bad source ${JSON.stringify(s)}`);
  }
  for (const s of [...(args.sources_present ?? []), ...(args.sources_absent ?? [])]) {
    if (isAction(s) || /\s/.test(s.trim())) throw new InputError(`nsswitch: ${JSON.stringify(s)} is not a service name`);
  }
  const both = (args.sources_present ?? []).filter((s) => (args.sources_absent ?? []).includes(s));
  if (both.length > 0) throw new InputError(`nsswitch: ${both.join(', ')} both present and absent`);
}

/** The sources of a database (first line wins), or null when it has no line. */
export function nsswitchSources(text: string, database: string): string[] | null {
  for (const [n, l] of splitLines(text).lines.entries()) {
    const p = parseLine(l, n);
    if (p && p.db === database.toLowerCase()) return p.tokens;
  }
  return null;
}

export function editNsswitch(text: string, args: NsswitchArgs): EditResult {
  check(args);
  const db = args.database;
  const { lines, finalNewline } = splitLines(text);
  const found = lines.map((l, n) => parseLine(l, n)).filter((p) => p !== null && p.db === db.toLowerCase()) as DbLine[];
  const changes: string[] = [];

  if (found.length === 0) {
    const tokens = args.sources ? args.sources.flatMap(splitSources) : (args.sources_present ?? []);
    if (tokens.length === 0) return { text, changes };
    const line = `${`${db}:`.padEnd(15)} ${tokens.join(' ')}`;
    return { text: joinLines([...lines, line], true), changes: [`${db}: add line "${line}"`] };
  }

  const first = found[0] as DbLine;
  let tokens = [...first.tokens];
  if (args.sources) {
    const want = args.sources.flatMap(splitSources);
    if (want.join(' ') !== tokens.join(' ')) {
      changes.push(`${db}: set sources to ${want.join(' ')} (was ${tokens.join(' ') || 'empty'})`);
      tokens = want;
    }
  }
  for (const s of args.sources_absent ?? []) {
    const next: string[] = [];
    let skipping = false;
    let removed = false;
    for (const t of tokens) {
      if (!isAction(t)) skipping = t === s;
      if (skipping) removed = true;
      else next.push(t);
    }
    if (removed) {
      tokens = next;
      changes.push(`${db}: remove source ${s}`);
    }
  }
  for (const s of args.sources_present ?? []) {
    const idx = tokens.map((t, i) => (t === s ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) {
      tokens.push(s);
      changes.push(`${db}: add source ${s}`);
    } else if (idx.length > 1) {
      for (const i of idx.slice(1).reverse()) tokens.splice(i, 1);
      changes.push(`${db}: remove duplicate source ${s}`);
    }
  }
  const out = [...lines];
  if (changes.length > 0) {
    const head = /[ \t]$/.test(first.head) ? first.head : `${first.head} `;
    out[first.lineNo] = `${head}${tokens.join(' ')}${first.comment}`;
  }
  const dups = found.slice(1);
  for (const d of dups) out[d.lineNo] = `#${lines[d.lineNo] as string}`;
  if (dups.length > 0) changes.push(`${db}: comment out duplicate line${dups.length > 1 ? 's' : ''} ${dups.map((d) => d.lineNo + 1).join(', ')}`);
  if (changes.length === 0) return { text, changes };
  return { text: joinLines(out, finalNewline), changes };
}

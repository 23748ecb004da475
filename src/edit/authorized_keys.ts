/**
 * authorized_keys: keys present/absent (a key is its type and base64 blob; options and
 * comment may change), or exactly the declared keys (exclusive). Pure.
 */
import { InputError } from '../errors.js';
import type { EditResult } from './types.js';
import { joinLines, splitLines } from './text.js';

export interface AuthorizedKey {
  options: string;
  type: string;
  blob: string;
  comment: string;
}

const TYPE = /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com|ssh-(rsa|ed25519)-cert-v01@openssh\.com|ecdsa-sha2-nistp(256|384|521)-cert-v01@openssh\.com)$/;

/** Split the options field (quoted strings may hold spaces and commas). */
function splitOptionsPrefix(line: string): { options: string; rest: string } {
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && q) {
      i++;
      continue;
    }
    if (c === '"') q = !q;
    if (!q && (c === ' ' || c === '\t')) return { options: line.slice(0, i), rest: line.slice(i).trimStart() };
  }
  return { options: line, rest: '' };
}

/** Parse one authorized_keys line, or null for blanks, comments and garbage. */
export function parseKeyLine(line: string): AuthorizedKey | null {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return null;
  let options = '';
  let rest = t;
  const first = t.split(/\s+/)[0] as string;
  if (!TYPE.test(first)) {
    const s = splitOptionsPrefix(t);
    options = s.options;
    rest = s.rest;
  }
  const [type = '', blob = '', ...comment] = rest.split(/\s+/);
  if (!TYPE.test(type) || !/^[A-Za-z0-9+/]+=*$/.test(blob)) return null;
  return { options, type, blob, comment: comment.join(' ') };
}

export function renderKey(k: AuthorizedKey): string {
  return [k.options, k.type, k.blob, k.comment].filter((x) => x !== '').join(' ');
}

export interface KeysArgs {
  /** One or more key lines. */
  keys: string[];
  state?: 'present' | 'absent';
  exclusive?: boolean;
  /** Options to put in front of every declared key (e.g. 'from="10.0.0.0/8"'). */
  key_options?: string;
}

export function parseDeclared(keys: readonly string[], keyOptions?: string): AuthorizedKey[] {
  const out: AuthorizedKey[] = [];
  for (const text of keys) {
    for (const line of text.split('\n')) {
      if (line.trim() === '' || line.trim().startsWith('#')) continue;
      const k = parseKeyLine(line);
      if (!k) throw new InputError(`authorized_key: not a public key: ${JSON.stringify(line.slice(0, 40))}`);
      if (keyOptions !== undefined) k.options = keyOptions;
      out.push(k);
    }
  }
  return out;
}

const id = (k: AuthorizedKey): string => `${k.type} ${k.blob}`;

export function editAuthorizedKeys(text: string, args: KeysArgs): EditResult {
  const declared = parseDeclared(args.keys, args.key_options);
  const { lines, finalNewline } = splitLines(text);
  const parsed = lines.map((l) => parseKeyLine(l));
  const changes: string[] = [];
  const short = (k: AuthorizedKey): string => `${k.type} ...${k.blob.slice(-12)}${k.comment ? ` ${k.comment}` : ''}`;

  if ((args.state ?? 'present') === 'absent') {
    const drop = new Set(declared.map(id));
    const kept = lines.filter((_l, i) => {
      const k = parsed[i];
      if (k && drop.has(id(k))) {
        changes.push(`remove key ${short(k)}`);
        return false;
      }
      return true;
    });
    return changes.length === 0 ? { text, changes } : { text: joinLines(kept, finalNewline), changes };
  }

  const want = new Map(declared.map((k) => [id(k), k]));
  const seen = new Set<string>();
  const out: string[] = [];
  lines.forEach((l, i) => {
    const k = parsed[i];
    if (!k) {
      if (!args.exclusive || l.trim() === '' || l.trim().startsWith('#')) out.push(l);
      else changes.push(`remove unparsable line ${i + 1}`);
      return;
    }
    const w = want.get(id(k));
    if (!w) {
      if (args.exclusive) changes.push(`remove key ${short(k)} (not declared)`);
      else out.push(l);
      return;
    }
    if (seen.has(id(k))) {
      changes.push(`remove duplicate key ${short(k)}`);
      return;
    }
    seen.add(id(k));
    const merged: AuthorizedKey = { ...w, comment: w.comment !== '' ? w.comment : k.comment, options: args.key_options !== undefined ? w.options : w.options || k.options };
    const line = renderKey(merged);
    if (line !== l.trim()) changes.push(`update key ${short(k)}`);
    out.push(line === l.trim() ? l : line);
  });
  for (const k of declared) {
    if (seen.has(id(k))) continue;
    seen.add(id(k));
    out.push(renderKey(k));
    changes.push(`add key ${short(k)}`);
  }
  if (changes.length === 0) return { text, changes };
  return { text: joinLines(out, true), changes };
}

/**
 * Planning a file's content: compare the bytes wanted with the bytes there, and produce
 * one 'file' change (create/update) carrying the exact bytes, or attribute changes only.
 *
 * Change shape (kind 'file', action create|update):
 *   target   the path written
 *   before   old text, after new text (for the unified diff) when both are text,
 *            not sensitive and at most DIFF_LIMIT bytes
 *   attrs    the attributes asked for (host.write keeps the old file's otherwise)
 *   data     { sha256, size, content? (base64, present whenever `after` is absent),
 *              validate?, backup? }
 */
import { createHash } from 'node:crypto';
import type { Change, FileAttrs, FileStat, Host, Json } from '../types.js';
import { createAttrs, describeOwnership, planAttrChanges, type WantedAttrs } from './attrs.js';

export const DIFF_LIMIT = 256 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a buffer when it is UTF-8 without NUL bytes, else null. */
export function asText(buf: Buffer): string | null {
  if (buf.includes(0)) return null;
  try {
    return utf8.decode(buf);
  } catch {
    return null;
  }
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Private keys and the like: plan output shows a summary, never the text. */
export function looksSecret(text: string): boolean {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text);
}

export interface ContentOptions {
  wanted: WantedAttrs;
  validate?: string;
  backup?: boolean;
  sensitive?: boolean;
  /** A few words for the summary, e.g. "line added". */
  note?: string;
}

function lineStats(before: string | null, after: string): string {
  const count = (t: string): number => (t === '' ? 0 : t.split('\n').length - (t.endsWith('\n') ? 1 : 0));
  const n = count(after);
  return before === null ? `${n} line${n === 1 ? '' : 's'}` : `${count(before)} → ${n} lines`;
}

/**
 * Plan writing `data` to `path`, given what is there now (`st`, `current`).
 * Returns [] when content and attributes already match.
 */
export async function planContent(
  host: Host,
  path: string,
  data: Buffer,
  st: FileStat | null,
  current: Buffer | null,
  opts: ContentOptions,
): Promise<Change[]> {
  if (current !== null && st !== null && current.equals(data)) {
    return planAttrChanges(host, path, st, opts.wanted);
  }
  const exists = current !== null;
  const attrChanges = exists && st ? await planAttrChanges(host, path, st, opts.wanted) : [];
  // An update passes only the attributes that differ: Host.write gives the new file the
  // old file's attributes unless told otherwise.
  const attrs: FileAttrs = exists ? Object.assign({}, ...attrChanges.map((c) => c.attrs)) : createAttrs(opts.wanted, false);
  const afterText = asText(data);
  const beforeText = current === null ? null : asText(current);
  const sensitive =
    opts.sensitive === true || (afterText !== null && looksSecret(afterText)) || (beforeText !== null && looksSecret(beforeText));
  const showDiff =
    !sensitive &&
    afterText !== null &&
    (current === null || beforeText !== null) &&
    data.length <= DIFF_LIMIT &&
    (current?.length ?? 0) <= DIFF_LIMIT;
  const change: Change = {
    action: exists ? 'update' : 'create',
    kind: 'file',
    target: path,
    summary: '',
    attrs,
  };
  const d: { [k: string]: Json } = { sha256: sha256(data), size: data.length };
  if (showDiff) {
    change.before = beforeText ?? '';
    change.after = afterText;
  } else {
    d.content = data.toString('base64');
  }
  if (opts.validate !== undefined) d.validate = opts.validate;
  if (opts.backup) d.backup = true;
  if (opts.note) d.note = opts.note;
  change.data = d;
  if (sensitive) change.sensitive = true;
  const what = afterText !== null && showDiff ? lineStats(beforeText, afterText) : `${data.length} bytes`;
  const extras: string[] = opts.note ? [opts.note, what] : [what];
  if (exists) {
    for (const c of attrChanges) extras.push(`${c.data?.op === 'chmod' ? 'mode' : 'owner'} ${String(c.data?.from ?? '')} → ${c.data?.op === 'chmod' ? c.attrs?.mode : describeOwnership(c.attrs ?? {})}`);
  } else {
    if (attrs.mode) extras.push(`mode ${attrs.mode}`);
    if (attrs.owner !== undefined || attrs.group !== undefined) extras.push(`owner ${describeOwnership(attrs)}`);
  }
  change.summary = `${exists ? 'update' : 'create'} ${path} (${extras.join(', ')})`;
  return [change];
}

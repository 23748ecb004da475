/**
 * Digests of what a change will write and of what it found, keyed by a per-plan salt (an HMAC),
 * so a saved plan can prove a change is the reviewed one without holding its content: a secret
 * in a file's content never lands in plan.json, only this keyed digest of it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Change } from '../modules/types.js';

/** Keys of `data` that say how a change was computed (check-mode prediction), not what it does. */
const VOLATILE = new Set(['predicted', 'decided']);

export function newSalt(): string {
  return randomBytes(32).toString('base64');
}

/** JSON with sorted keys, so equal values digest equally. */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

export function digest(salt: string, v: unknown): string {
  return createHmac('sha256', salt).update(canonical(v)).digest('base64url').slice(0, 32);
}

export function changeSignature(c: { action: string; kind: string; target: string }): string {
  return `${c.action} ${c.kind} ${c.target}`;
}

function stableData(data: Change['data']): Change['data'] {
  if (!data) return undefined;
  return Object.fromEntries(Object.entries(data).filter(([k]) => !VOLATILE.has(k)));
}

/** What the change writes: content, mode/owner, and the module's own detail (rule words, package spec...). */
export function writeDigest(salt: string, c: Change): string {
  return digest(salt, { action: c.action, kind: c.kind, target: c.target, after: c.after, attrs: c.attrs, data: stableData(c.data) });
}

/** The part that real and check runs share exactly: content and attributes (no module detail). */
export function contentDigest(salt: string, c: Change): string {
  return digest(salt, { after: c.after, attrs: c.attrs });
}

/** What the change found on the host (and says about it). */
export function beforeDigest(salt: string, c: Change): string {
  return digest(salt, { before: c.before, summary: c.summary });
}

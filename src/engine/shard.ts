/**
 * `--shard K/N`: a stable partition of the inventory's hosts between N controllers. A host's
 * shard depends on its name alone (FNV-1a), so adding or removing hosts moves no other host,
 * and every controller computes the same partition without talking to the others.
 */
import { InputError } from '../errors.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d{1,5})\/(\d{1,5})$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InputError(`--shard ${JSON.stringify(text)}: expected K/N with 1 ≤ K ≤ N, e.g. 1/4`, { code: 'USAGE' });
  }
  return { index, count };
}

/** 32-bit FNV-1a of the UTF-8 bytes of `s`. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const shardOf = (host: string, count: number): number => (fnv1a(host) % count) + 1;

export const inShard = (host: string, shard: Shard): boolean => shardOf(host, shard.count) === shard.index;

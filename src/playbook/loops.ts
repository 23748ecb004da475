/**
 * The loop keyword of a task mapping: `loop:` or one `with_<lookup>:` of those that map
 * onto `loop` (an unknown lookup, or two loops on one task, is an error naming the key).
 */
import { InputError, type SourceLocation } from '../errors.js';

/** The with_* lookups hostforge maps onto `loop`. */
export const WITH_LOOKUPS = ['items', 'list', 'dict', 'indexed_items', 'sequence', 'subelements', 'nested', 'together'] as const;
export type WithLookup = (typeof WITH_LOOKUPS)[number];

export function isWithLookup(name: string): name is WithLookup {
  return (WITH_LOOKUPS as readonly string[]).includes(name);
}

/** A task mapping's loop keyword: `loop:` or one `with_<lookup>:`; an unknown lookup is an error. */
export function loopKeyword(t: Record<string, unknown>, locate: (key: string) => SourceLocation): { loop?: unknown; loopWith?: string } {
  const withKeys = Object.keys(t).filter((k) => k.startsWith('with_'));
  if (withKeys.length === 0) return t.loop === undefined ? {} : { loop: t.loop };
  const key = withKeys[0]!;
  if (t.loop !== undefined || withKeys.length > 1) {
    throw new InputError(`a task takes one loop: ${['loop', ...withKeys].filter((k) => t[k] !== undefined).join(', ')}`, { code: 'SCHEMA', location: locate(withKeys[withKeys.length - 1]!) });
  }
  const name = key.slice('with_'.length);
  if (!isWithLookup(name)) {
    throw new InputError(`"${key}" is not supported (loops: loop, ${WITH_LOOKUPS.map((l) => `with_${l}`).join(', ')})`, { code: 'SCHEMA', location: locate(key) });
  }
  return { loop: t[key], loopWith: name };
}


/**
 * Values not known before the run (facts, registered results, loop items) as they stand in
 * the preflight: a placeholder whose every property exists and is unknown too, and which
 * renders inside a string as a marker, so a check can tell "known and wrong" from "unknown".
 */

/** What an unknown value renders to inside a larger string. */
export const UNKNOWN_MARK = '\u0000unknown\u0000';

const placeholders = new WeakSet<object>();
let touches = 0;

/** How many times an unknown value was read so far: a condition that read one cannot be decided. */
export function unknownTouches(): number {
  return touches;
}

/** Stands for any value not known before the run. */
export function unknownValue(): unknown {
  const target = function unknown() {} as unknown as object;
  const p: object = new Proxy(target, {
    get: (_t, k) => {
      touches++;
      if (k === Symbol.toPrimitive || k === 'toString') return () => UNKNOWN_MARK;
      if (k === Symbol.iterator) return [][Symbol.iterator];
      return typeof k === 'symbol' ? undefined : p;
    },
    has: () => true,
    ownKeys: () => ['prototype'],
    getOwnPropertyDescriptor: (t, k) => Reflect.getOwnPropertyDescriptor(t, k) ?? { value: p, configurable: true, enumerable: false, writable: true },
  });
  placeholders.add(p);
  return p;
}

/** Is this value (or any part of it) not known before the run? */
export function hasUnknown(v: unknown, depth = 0): boolean {
  if (depth > 100) return false;
  if (typeof v === 'function') return true;
  if (typeof v === 'string') return v.includes(UNKNOWN_MARK);
  if (v !== null && typeof v === 'object') {
    if (placeholders.has(v)) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (hasUnknown(x, depth + 1)) return true;
  }
  return false;
}

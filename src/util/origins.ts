/**
 * Where a variable was written, found only when an error needs it (a variable cycle): every
 * parsed YAML document that holds a template registers a finder, and `originOf(name, text)` asks
 * them for a mapping entry `name: text`. Nothing is indexed up front: loading pays nothing for it.
 */
import type { SourceLocation } from '../errors.js';

export type OriginFinder = (key: string, value: string) => SourceLocation | undefined;

const finders: OriginFinder[] = [];

export function registerOrigins(find: OriginFinder): void {
  finders.push(find);
}

/** The position of the entry `key: value` (value as written, a template) in a loaded document. */
export function originOf(key: string, value: string): SourceLocation | undefined {
  for (const find of finders) {
    const hit = find(key, value);
    if (hit) return hit;
  }
  return undefined;
}

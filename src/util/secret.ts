/**
 * A secret value prints as *** wherever it ends up (logs, JSON, diffs, errors).
 * Call reveal() only where the value must really be used.
 *
 * Secrets are tainted by value: every Secret made, and every value passed to taint(), joins one
 * process-wide set, and every output of the process (reporters, errors, inventory dumps) goes
 * through redactOutput(), which masks each of them in every encoding (see redact.ts).
 */
import { compileRedactor, MASK } from './redact.js';

const tainted = new Set<string>();
const tracked: Set<string>[] = [tainted];
let compiled: { key: number; fn: (text: string) => string } | undefined;

/** Mark a value as secret for the rest of the process. */
export function taint(value: string): void {
  if (value.length > 0) tainted.add(value);
}

/** Also redact with the values of this (growing) set, e.g. a run's revealed secrets. */
export function trackSecrets(set: Set<string>): void {
  if (!tracked.includes(set)) tracked.push(set);
}

function current(): (text: string) => string {
  const key = tracked.reduce((n, s) => n + s.size, 0) * 1024 + tracked.length;
  if (compiled?.key !== key) {
    const all = new Set<string>();
    for (const s of tracked) for (const v of s) all.add(v);
    compiled = { key, fn: compileRedactor(all) };
  }
  return compiled.fn;
}

/** Mask every tainted value (and any private key material) in text bound for an output. */
export function redactOutput(text: string): string {
  return current()(text);
}

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    taint(value);
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return MASK;
  }
}

export function isSecret(v: unknown): v is Secret {
  return v instanceof Secret;
}

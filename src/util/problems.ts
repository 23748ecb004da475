/**
 * Input problems collected instead of thrown, so `validate` (and apply's preflight)
 * report every problem of a run at once. Loading code wraps each independent unit
 * (a task, a role, a play) in `tolerate`: inside a `collecting` scope an InputError is
 * recorded and the unit is skipped; outside one it is thrown as before.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { InputError, InputErrors } from '../errors.js';

/** More than this many problems are counted, not listed. */
export const MAX_LISTED = 500;

export class Problems {
  private readonly list: InputError[] = [];
  private readonly seen = new Set<string>();
  private dropped = 0;

  add(err: InputError): void {
    for (const e of err instanceof InputErrors ? err.problems : [err]) {
      const key = e.describe();
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (this.list.length >= MAX_LISTED) this.dropped++;
      else this.list.push(e);
    }
  }

  get size(): number {
    return this.list.length + this.dropped;
  }

  /** Throw every problem found (one InputErrors) if there is any. */
  throwIfAny(): void {
    if (this.size === 0) return;
    if (this.size === 1) throw this.list[0]!;
    throw new InputErrors(this.list, this.dropped);
  }
}

const current = new AsyncLocalStorage<Problems>();

/** Run `fn` collecting problems; throws all of them at the end (even if `fn` itself succeeded). */
export async function collecting<T>(fn: () => Promise<T>, into = new Problems()): Promise<T> {
  let out: T;
  try {
    out = await current.run(into, fn);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    into.add(err);
    into.throwIfAny();
    throw err;
  }
  into.throwIfAny();
  return out;
}

/** Like collecting, but hands the problems back instead of throwing them. */
export async function gather<T>(fn: () => Promise<T>): Promise<{ value?: T; problems: Problems }> {
  const problems = new Problems();
  try {
    return { value: await current.run(problems, fn), problems };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.add(err);
    return { problems };
  }
}

/** The active collector, if any. */
export function activeProblems(): Problems | undefined {
  return current.getStore();
}

/** Run one unit: inside a collecting scope an InputError is recorded and `fallback` returned. */
export async function tolerate<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
  const p = current.getStore();
  if (!p) return fn();
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    p.add(err);
    return fallback;
  }
}

/** The synchronous tolerate. */
export function tolerateSync<T>(fn: () => T, fallback: T): T {
  const p = current.getStore();
  if (!p) return fn();
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    p.add(err);
    return fallback;
  }
}

/** Record a problem (inside a collecting scope) or throw it. */
export function report(err: InputError): void {
  const p = current.getStore();
  if (!p) throw err;
  p.add(err);
}

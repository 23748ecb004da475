/**
 * A module with no effect on the host (debug, stat, setup, assert, fail, set_fact):
 * plan() returns [] and apply() only computes a result, so the engine may call apply
 * in check mode too, and should call it even though the plan is empty.
 * (Proposed for types.ts as `Module.readOnly?: boolean`.)
 */
import type { AnyModule, Module } from '../types.js';

export type ReadOnlyModule<A> = Module<A> & { readOnly: true };

export function isReadOnly(m: AnyModule): boolean {
  return (m as { readOnly?: unknown }).readOnly === true;
}

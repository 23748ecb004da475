/** Run a module's plan/apply against a FakeHost the way the engine does. */
import type { ApplyResult, Change, Module } from '../../src/modules/types.js';
import { FakeHost, fakeContext } from './fake-host.js';

export type Ctx = ReturnType<typeof fakeContext>['ctx'];

export async function plan<A>(m: Module<A>, host: FakeHost, args: NoInfer<A>, ctx: Ctx = fakeContext().ctx): Promise<Change[]> {
  return m.plan(host, args, ctx);
}

/** plan → apply → plan again; returns both plans and the apply result. */
export async function runTwice<A>(
  m: Module<A>,
  host: FakeHost,
  args: NoInfer<A>,
  ctx: Ctx = fakeContext().ctx,
): Promise<{ first: Change[]; result: ApplyResult | void; second: Change[] }> {
  const first = await m.plan(host, args, ctx);
  // The plan must be plain JSON data: round-trip it like a saved plan.
  const saved = JSON.parse(JSON.stringify(first)) as Change[];
  const result = await m.apply(host, saved, args, ctx);
  const second = await m.plan(host, args, ctx);
  return { first, result, second };
}

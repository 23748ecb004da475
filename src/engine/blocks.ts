/**
 * block / rescue / always, decided per host from the blocks a task sits in (Ansible's
 * semantics): a host that fails inside a block skips the rest of it, runs the block's rescue
 * (which clears the failure: counted as rescued, ansible_failed_task/result set), and runs
 * always whether it failed or not. Pure: the play runner acts on the decision.
 */
import type { BlockFrame, Task } from '../playbook/types.js';
import type { HostRunState } from './context.js';

export type BlockDecision =
  | { run: false }
  /** rescue: the host's failure is caught by this block; whileFailed: an always task on a failed host. */
  | { run: true; rescue?: number; whileFailed?: boolean };

export function blockDecision(task: Pick<Task, 'blocks'>, st: Pick<HostRunState, 'failed' | 'unreachable' | 'failure' | 'rescuing' | 'ended'>): BlockDecision {
  if (st.unreachable || st.ended) return { run: false };
  const frames: BlockFrame[] = task.blocks ?? [];
  if (!st.failed) {
    for (const f of frames) if (f.part === 'rescue' && !st.rescuing?.has(f.id)) return { run: false };
    return { run: true };
  }
  if (!st.failure) return { run: false };
  const failedIn = new Map(st.failure.frames.map((f) => [f.id, f.part] as const));
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!;
    const where = failedIn.get(f.id);
    if (where === undefined) continue;
    if (f.part === 'rescue' && where === 'block' && f.hasRescue) return { run: true, rescue: f.id };
    if (f.part === 'always' && where !== 'always') return { run: true, whileFailed: true };
    return { run: false };
  }
  return { run: false };
}

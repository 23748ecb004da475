/**
 * The recap counts each task once per host, as Ansible does: a looped task's items are
 * reported one by one, but count as one result (failed if an item failed, changed if an
 * item changed, skipped only when every item was skipped).
 */
import type { HostStatus, Recap, TaskResultEvent } from './events.js';

const RANK: Record<HostStatus, number> = { skipped: 0, ok: 1, changed: 2, failed: 3, unreachable: 4 };

/** Mark the last item event of a looped task with the status the whole task counts as. */
export function summarizeLoop(events: TaskResultEvent[]): void {
  const last = events[events.length - 1];
  if (!last) return;
  let status: HostStatus = 'skipped';
  let failedCounted = false;
  for (const e of events) {
    if (RANK[e.status] > RANK[status]) status = e.status;
    if (e.status === 'failed' && !e.ignored) failedCounted = true;
  }
  const ignored = status === 'failed' && !failedCounted;
  for (const e of events) e.counted = false;
  last.counted = { status, ignored };
}

/** Add one result event to its host's recap. */
export function countResult(r: Recap, e: TaskResultEvent): void {
  if (e.counted === false) return;
  const { status, ignored } = e.counted ?? { status: e.status, ignored: e.ignored === true };
  if (status === 'ok') r.ok++;
  else if (status === 'changed') {
    r.ok++;
    r.changed++;
  } else if (status === 'skipped') r.skipped++;
  else if (status === 'unreachable') r.unreachable++;
  else if (ignored) r.ignored++;
  else r.failed++;
}

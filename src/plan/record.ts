/**
 * A reporter that records a check run as a saved plan's steps (changes with keyed digests)
 * and its `--json` events (redacted by the JSON reporter itself), passing every event on to
 * the reporter the operator sees, if any.
 */
import type { Reporter, RunEvent } from '../engine/events.js';
import type { Json } from '../modules/types.js';
import type { Change } from '../modules/types.js';
import { redactor } from '../report/format.js';
import { beforeDigest, contentDigest, writeDigest } from './digest.js';
import type { PlannedStep } from './file.js';

/** A change as a saved plan keeps it for rendering: no module detail; hidden content as ***. */
function storedChange(c: Change, noLog: boolean): Change {
  const { data: _d, ...rest } = c;
  if (!c.sensitive && !noLog) return rest;
  return { ...rest, sensitive: true, before: c.before === undefined ? undefined : '***', after: c.after === undefined ? undefined : '***' };
}

/** The event as `--json` prints it (no_log hides output and messages), for `show` to render. */
function storedEvent(e: RunEvent): RunEvent {
  if (e.type !== 'task_result') return e;
  return { ...e, changes: e.changes.map((c) => storedChange(c, e.noLog)), output: e.noLog ? undefined : e.output, msg: e.noLog && e.status !== 'ok' ? '(hidden: no_log)' : e.msg };
}

export class PlanRecorder implements Reporter {
  readonly steps: PlannedStep[] = [];
  readonly events: Json[] = [];
  readonly #red: (s: string) => string;

  constructor(
    readonly salt: string,
    revealed: Set<string>,
    readonly inner?: Reporter,
  ) {
    this.#red = redactor(revealed);
  }

  emit(e: RunEvent): void {
    if (e.type === 'task_result' && e.changes.length > 0) {
      this.steps.push({
        host: e.host,
        task: e.task,
        ...(e.item !== undefined ? { item: e.item } : {}),
        changes: e.changes.map((c) => ({
          action: c.action,
          kind: c.kind,
          target: this.#red(c.target),
          summary: this.#red(c.summary),
          write: writeDigest(this.salt, c),
          content: contentDigest(this.salt, c),
          before: beforeDigest(this.salt, c),
        })),
      });
    }
    this.events.push(JSON.parse(this.#red(JSON.stringify(storedEvent(e)))) as Json);
    this.inner?.emit(e);
  }

  async close(): Promise<void> {
    await this.inner?.close();
  }
}

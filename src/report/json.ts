/**
 * --json: one JSON object per line for every event (changes included, with diffs
 * as before/after unless sensitive), the last line being the run_end summary.
 */
import type { Reporter, RunEvent } from '../engine/events.js';
import type { Change } from '../modules/types.js';
import { redactor } from './format.js';

function publicChange(c: Change, noLog: boolean): Change {
  if (!c.sensitive && !noLog) return c;
  const { before: _b, after: _a, data: _d, ...rest } = c;
  return { ...rest, sensitive: true };
}

export class JsonReporter implements Reporter {
  readonly #write: (s: string) => void;
  readonly #red: (s: string) => string;

  constructor(revealed: Set<string>, write?: (s: string) => void) {
    this.#write = write ?? ((s) => process.stdout.write(s));
    this.#red = redactor(revealed);
  }

  emit(e: RunEvent): void {
    let out: unknown = e;
    if (e.type === 'task_result') {
      out = { ...e, changes: e.changes.map((c) => publicChange(c, e.noLog)), output: e.noLog ? undefined : e.output, msg: e.noLog && e.status !== 'ok' ? '(hidden: no_log)' : e.msg };
    }
    this.#write(this.#red(JSON.stringify(out)) + '\n');
  }

  async close(): Promise<void> {}
}

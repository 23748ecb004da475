/**
 * Plain lines (no TTY, CI): Ansible-like "PLAY / TASK / status: [host]" output,
 * change summaries, unified diffs with --diff, and the recap.
 */
import type { Reporter, RunEvent, TaskResultEvent } from '../engine/events.js';
import { changeDiff, changeLine, recapLines, redactor, shownName, shownText } from './format.js';
import { rebootLines } from './reboot.js';

export interface PlainOptions {
  diff: boolean;
  verbose: number;
  write?: (s: string) => void;
  revealed: Set<string>;
}

export function formatResult(e: TaskResultEvent, opts: { diff: boolean; verbose: number }): string[] {
  const lines: string[] = [];
  const item = e.item !== undefined ? ` => (item=${shownName(e.item)})` : '';
  const status = e.ignored ? 'failed (ignored)' : e.status === 'changed' && e.checkMode ? 'changed (check)' : e.status;
  const n = e.changes.length;
  const tail = e.status === 'changed' || (e.status === 'skipped' && n > 0) ? ` ${n} change${n === 1 ? '' : 's'}` : '';
  const shown = e.display !== undefined && !e.noLog ? ` => ${shownText(e.display)}` : undefined;
  const note = shown ?? (e.msg && (e.status === 'ok' || e.status === 'skipped') && n === 0 ? ` (${shownText(e.msg)})` : '');
  lines.push(...`${status}: [${shownName(e.host)}]${item}${tail}${note}`.split('\n'));
  if (e.noLog && e.changes.length > 0) {
    lines.push('  (details hidden: no_log)');
  } else {
    for (const c of e.changes) {
      lines.push(`  ${changeLine(c)}`);
      if (opts.diff) {
        const d = changeDiff(c);
        if (d) lines.push(...d.trimEnd().split('\n').map((l) => `    ${l}`));
      }
    }
  }
  if ((e.status === 'failed' || e.status === 'unreachable') && e.msg) lines.push(...(e.noLog ? ['  msg: (hidden: no_log)'] : shownText(e.msg).split('\n').map((l) => `  ${l}`)));
  if (opts.verbose > 0 && e.output && !e.noLog) lines.push(...shownText(e.output.trimEnd()).split('\n').map((l) => `  | ${l}`));
  return lines;
}

export class PlainReporter implements Reporter {
  readonly #opts: PlainOptions;
  readonly #write: (s: string) => void;
  readonly #red: (s: string) => string;

  constructor(opts: PlainOptions) {
    this.#opts = opts;
    this.#write = opts.write ?? ((s) => process.stdout.write(s));
    this.#red = redactor(opts.revealed);
  }

  #out(lines: string[]): void {
    this.#write(this.#red(lines.join('\n')) + '\n');
  }

  emit(e: RunEvent): void {
    switch (e.type) {
      case 'run_start':
        if (e.check) this.#out(['CHECK MODE: nothing will be changed']);
        break;
      case 'play_start':
        this.#out(['', `PLAY [${shownName(e.play)}] ${'*'.repeat(Math.max(3, 60 - shownName(e.play).length))}`]);
        break;
      case 'task_start':
        this.#out(['', `${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${shownName(e.task)}]`]);
        break;
      case 'task_result':
        if (e.status === 'skipped' && this.#opts.verbose === 0 && e.changes.length === 0) break;
        this.#out(formatResult(e, this.#opts));
        break;
      case 'warning':
        this.#out([`[WARNING]${e.host ? ` [${shownName(e.host)}]` : ''}: ${shownText(e.msg)}`]);
        break;
      case 'run_end':
        this.#out(['', 'PLAY RECAP ' + '*'.repeat(50), ...recapLines(e.recap), ...rebootLines(Object.keys(e.recap), e.rebootRequired), '', `finished in ${(e.durationMs / 1000).toFixed(2)} s`]);
        break;
      default:
        break;
    }
  }

  async close(): Promise<void> {}
}

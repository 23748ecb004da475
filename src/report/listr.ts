/**
 * On a TTY: listr2 shows each task with a line per host that settles as results
 * arrive; change lists and diffs are printed under it when the task ends.
 */
import { Listr } from 'listr2';
import type { Reporter, RunEvent, TaskResultEvent } from '../engine/events.js';
import { recapLines, redactor, shownName, shownText } from './format.js';
import { rebootLines } from './reboot.js';
import { formatResult, type PlainOptions } from './plain.js';

interface Pending {
  resolve: (events: TaskResultEvent[]) => void;
  events: TaskResultEvent[];
}

export class ListrReporter implements Reporter {
  readonly #opts: PlainOptions;
  readonly #red: (s: string) => string;
  #chain: Promise<void> = Promise.resolve();
  #pending = new Map<string, Pending>();

  constructor(opts: PlainOptions) {
    this.#opts = opts;
    this.#red = redactor(opts.revealed);
  }

  #print(lines: string[]): void {
    const text = this.#red(lines.join('\n')) + '\n';
    this.#chain = this.#chain.then(() => {
      process.stdout.write(text);
    });
  }

  #settle(): void {
    for (const p of this.#pending.values()) p.resolve(p.events);
    this.#pending.clear();
  }

  emit(e: RunEvent): void {
    switch (e.type) {
      case 'play_start':
        this.#settle();
        this.#print(['', `PLAY [${shownName(e.play)}]`]);
        break;
      case 'task_start': {
        this.#settle();
        const waits = e.hosts.map((h) => {
          let resolve!: (ev: TaskResultEvent[]) => void;
          const promise = new Promise<TaskResultEvent[]>((r) => (resolve = r));
          this.#pending.set(h, { resolve, events: [] });
          return { host: shownName(h), promise };
        });
        const title = `${e.handler ? 'HANDLER' : 'TASK'} [${shownName(e.task)}]`;
        const details: string[] = [];
        const list = new Listr(
          [
            {
              title,
              task: (_ctx, task) =>
                task.newListr(
                  waits.map((w) => ({
                    title: w.host,
                    task: async (_c, sub) => {
                      const events = await w.promise;
                      const worst = events.find((x) => x.status === 'failed' && !x.ignored) ?? events.find((x) => x.status === 'unreachable') ?? events.find((x) => x.status === 'changed') ?? events[0];
                      const n = events.reduce((k, x) => k + x.changes.length, 0);
                      for (const ev of events) if (ev.changes.length > 0 || ev.status === 'failed' || ev.status === 'unreachable') details.push(...formatResult(ev, this.#opts));
                      sub.title = this.#red(`${w.host}: ${worst?.status ?? 'ok'}${n > 0 ? ` (${n} change${n === 1 ? '' : 's'})` : ''}`);
                      if (worst && (worst.status === 'failed' || worst.status === 'unreachable') && !worst.ignored) throw new Error(shownName(worst.msg?.split('\n')[0] ?? worst.status));
                      if (worst?.status === 'skipped') sub.skip(this.#red(`${w.host}: skipped`));
                    },
                  })),
                  { concurrent: true, exitOnError: false },
                ),
            },
          ],
          { exitOnError: false, rendererOptions: { collapseSubtasks: false } },
        );
        this.#chain = this.#chain.then(async () => {
          try {
            await list.run();
          } catch {
            /* failures are shown in the list */
          }
          if (details.length > 0) process.stdout.write(this.#red(details.map((l) => `  ${l}`).join('\n')) + '\n');
        });
        break;
      }
      case 'task_result': {
        const p = this.#pending.get(e.host);
        if (p) p.events.push(e);
        break;
      }
      case 'task_host_done': {
        const p = this.#pending.get(e.host);
        if (p) {
          this.#pending.delete(e.host);
          p.resolve(p.events);
        }
        break;
      }
      case 'warning':
        this.#print([`[WARNING]${e.host ? ` [${shownName(e.host)}]` : ''}: ${shownText(e.msg)}`]);
        break;
      case 'run_end':
        this.#settle();
        this.#print(['', 'PLAY RECAP', ...recapLines(e.recap), ...rebootLines(Object.keys(e.recap), e.rebootRequired), '', `finished in ${(e.durationMs / 1000).toFixed(2)} s`]);
        break;
      default:
        break;
    }
  }

  async close(): Promise<void> {
    this.#settle();
    await this.#chain;
  }
}

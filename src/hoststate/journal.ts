/**
 * The handler journal of one host, beside its run lock (DIR/handlers.journal, 0600): a line
 * of JSON for every handler a task notified and that has not run yet. A notify is appended
 * and fsynced on the host before the run goes on; a handler that ran removes its lines (the
 * file is rewritten atomically). The next run reads it when it takes the lock, so a handler
 * notified by a run that was killed runs in the next one, once. The run holds the host's
 * exclusive lock, so this object's view of the file is the file.
 */
import { TaskError } from '../errors.js';
import type { RemoteHost } from '../transport/remote-host.js';
import { shQuote } from '../util/quote.js';
import { JOURNAL_FILE } from './lock-script.js';

export interface JournalEntry {
  /** The notify name or listen topic. */
  handler: string;
  play: string;
  task: string;
  at: string;
  /** The run that notified it (user@bastion pid). */
  by: string;
}

export function parseEntries(lines: readonly string[]): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const l of lines) {
    try {
      const v = JSON.parse(l) as Partial<JournalEntry>;
      if (typeof v.handler === 'string') out.push({ handler: v.handler, play: String(v.play ?? ''), task: String(v.task ?? ''), at: String(v.at ?? ''), by: String(v.by ?? '') });
    } catch {
      /* a torn last line of a killed append: skip it */
    }
  }
  return out;
}

export class HandlerJournal {
  readonly #host: RemoteHost;
  readonly #file: string;
  readonly #dir: string;
  /** What the file holds now. */
  #entries: JournalEntry[];
  /** Entries from earlier runs not yet handed to a play. */
  #pending: JournalEntry[];

  constructor(host: RemoteHost, dir: string, lines: readonly string[]) {
    this.#host = host;
    this.#dir = dir;
    this.#file = `${dir}/${JOURNAL_FILE}`;
    this.#entries = parseEntries(lines);
    this.#pending = [...this.#entries];
  }

  /** Entries of earlier runs that no play has taken yet. */
  get pending(): readonly JournalEntry[] {
    return this.#pending;
  }

  /** Hand the pending entries this play has a handler for (by name or listen topic) to it. */
  take(handlerNames: ReadonlySet<string>): JournalEntry[] {
    const mine = this.#pending.filter((e) => handlerNames.has(e.handler));
    this.#pending = this.#pending.filter((e) => !handlerNames.has(e.handler));
    return mine;
  }

  /** Record notifies durably (append + fsync) before they count. Already journaled names are not repeated. */
  async notified(names: readonly string[], where: Omit<JournalEntry, 'handler'>): Promise<void> {
    const known = new Set(this.#entries.map((e) => e.handler));
    const add = [...new Set(names)].filter((n) => !known.has(n)).map((handler) => ({ handler, ...where }));
    if (add.length === 0) return;
    const text = add.map((e) => `${JSON.stringify(e)}\n`).join('');
    const f = shQuote(this.#file);
    await this.#sh(`umask 077; printf '%s' ${shQuote(text)} >> ${f} && sync -- ${f} ${shQuote(this.#dir)}`, 'record a notified handler');
    this.#entries.push(...add);
  }

  /** A handler ran: its names leave the journal. */
  async ran(names: readonly string[]): Promise<void> {
    const gone = new Set(names);
    const keep = this.#entries.filter((e) => !gone.has(e.handler));
    if (keep.length === this.#entries.length) return;
    const f = shQuote(this.#file);
    const d = shQuote(this.#dir);
    const script =
      keep.length === 0
        ? `rm -f -- ${f} && sync -- ${d}`
        : `umask 077; printf '%s' ${shQuote(keep.map((e) => `${JSON.stringify(e)}\n`).join(''))} > ${f}.new && sync -- ${f}.new && mv -f -- ${f}.new ${f} && sync -- ${d}`;
    await this.#sh(script, 'clear a handler that ran');
    this.#entries = keep;
    this.#pending = this.#pending.filter((e) => !gone.has(e.handler));
  }

  async #sh(script: string, what: string): Promise<void> {
    const r = await this.#host.exec({ script });
    if (r.code !== 0) throw new TaskError(`${this.#host.name}: cannot ${what} in ${this.#file}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
}

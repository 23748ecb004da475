/**
 * The run locks of a whole run. Every host of the run (not the bastion itself) is locked
 * before the first task, in parallel (at most --forks at once): exclusively for apply, shared
 * for --check. If any reachable host is held by another run (after --wait-lock), the run is
 * refused as a whole: the locks already taken are released and no task runs anywhere
 * (HostLockedError, exit 75) — a play addresses a group, and half a cluster converged while
 * another operator changes the other half is worse than a clean "try again". A host that
 * cannot be reached is left to the run (it is reported unreachable at its first task);
 * a host where no lock can be taken (no flock(1), no writable state directory) fails.
 */
import { HostforgeError, UnreachableError } from '../errors.js';
import type { RemoteHost } from '../transport/remote-host.js';
import { HandlerJournal, type JournalEntry } from './journal.js';
import { busyMessage, lockHost, type HostLock } from './lock.js';
import { describeHolder, runEnded, runStarted, type LockHolder } from './lock-holder.js';

export class HostLockedError extends HostforgeError {
  readonly hosts: string[];
  constructor(message: string, hosts: string[]) {
    super('LOCKED', message);
    this.name = 'HostLockedError';
    this.hosts = hosts;
  }
}

export interface RunLockOptions {
  shared: boolean;
  waitSeconds: number;
  holder: LockHolder;
  forks: number;
  /** A host is busy and the run waits for it; a dead run's lock was ended; a held lock was lost. */
  warn?(host: string, msg: string): void;
}

/** What the engine sees of the journals: by host name; a host without a lock has none. */
export interface NotifyJournal {
  /** Pending entries of earlier runs that this play (its handler names and topics) takes. */
  take(host: string, handlerNames: ReadonlySet<string>): JournalEntry[];
  notified(host: string, names: readonly string[], play: string, task: string): Promise<void>;
  ran(host: string, names: readonly string[]): Promise<void>;
  pending(host: string): readonly JournalEntry[];
}

async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export class RunLocks implements NotifyJournal {
  readonly #locks = new Map<string, HostLock>();
  readonly #journals = new Map<string, HandlerJournal>();
  readonly #by: string;
  readonly #check: boolean;
  readonly #holder: LockHolder;
  /** Hosts where no lock could be taken, and why. */
  readonly failures = new Map<string, string>();

  private constructor(holder: LockHolder, check: boolean) {
    this.#by = `${holder.user}@${holder.bastion} pid ${holder.pid}`;
    this.#check = check;
    this.#holder = holder;
  }

  static async acquire(hosts: readonly string[], open: (h: string) => Promise<RemoteHost>, o: RunLockOptions): Promise<RunLocks> {
    const locks = new RunLocks(o.holder, o.shared);
    runStarted(o.holder);
    const busy: string[] = [];
    try {
      await locks.#lockAll(hosts, open, o, busy);
    } catch (err) {
      await locks.releaseAll();
      throw err;
    }
    if (busy.length > 0) {
      await locks.releaseAll();
      const wait = o.waitSeconds > 0 ? ` (waited ${o.waitSeconds} s)` : '';
      throw new HostLockedError(
        `another hostforge run holds the run lock${wait}; nothing was changed on any host:\n${busy.sort().join('\n')}\n` +
          'Run again when it has finished, or queue behind it with --wait-lock SECONDS.',
        busy,
      );
    }
    return locks;
  }

  async #lockAll(hosts: readonly string[], open: (h: string) => Promise<RemoteHost>, o: RunLockOptions, busy: string[]): Promise<void> {
    await eachLimit(hosts, o.forks, async (h) => {
      let host: RemoteHost;
      try {
        host = await open(h);
      } catch {
        return; // unreachable: the run reports it at the host's first task
      }
      try {
        const onWait = (holders: (LockHolder | string)[]): void =>
          o.warn?.(h, `${h}: waiting up to ${o.waitSeconds} s for the run lock, held by ${holders.map((x) => describeHolder(x)).join('; ') || 'another run'}`);
        const onLost = (code: number): void => {
          host.exclusive = false;
          if (host.connection.closed) return; // the link went: the host is reported unreachable
          o.warn?.(h, `${h}: the run lock on the host ended before the run did (exit ${code}: no heartbeat reached the host, or it was ended there); another run may start on it`);
        };
        const a = await lockHost(host, { shared: o.shared, waitSeconds: o.waitSeconds, holder: o.holder, onWait, onLost });
        if (a.kind === 'busy') {
          busy.push(busyMessage(h, a.holders));
          return;
        }
        this.#locks.set(h, a.lock);
        // Every temp file of ours beside a target is then a leftover: only when no other login can run.
        if (!o.shared && a.lock.root) host.exclusive = true;
        this.#journals.set(h, new HandlerJournal(a.lock.stateHost, a.lock.dir, a.lock.journal));
        for (const b of a.lock.broke) o.warn?.(h, `${h}: ended the run lock of a run that is over (${b})`);
      } catch (err) {
        // A link lost while locking: the run reports the host unreachable at its first task.
        if (err instanceof UnreachableError) return;
        this.failures.set(h, (err as Error).message);
      }
    });
  }

  /** Release every lock (the run's `finally`: whatever the outcome); safe to call twice. */
  async releaseAll(): Promise<void> {
    const all = [...this.#locks.values()];
    this.#locks.clear();
    try {
      await Promise.all(all.map((l) => l.release().catch(() => undefined)));
    } finally {
      runEnded(this.#holder);
    }
  }

  pending(host: string): readonly JournalEntry[] {
    return this.#journals.get(host)?.pending ?? [];
  }

  take(host: string, handlerNames: ReadonlySet<string>): JournalEntry[] {
    return this.#journals.get(host)?.take(handlerNames) ?? [];
  }

  /** A --check run only reads the journal. */
  async notified(host: string, names: readonly string[], play: string, task: string): Promise<void> {
    if (this.#check) return;
    await this.#journals.get(host)?.notified(names, { play, task, at: new Date().toISOString(), by: this.#by });
  }

  async ran(host: string, names: readonly string[]): Promise<void> {
    if (this.#check) return;
    await this.#journals.get(host)?.ran(names);
  }
}

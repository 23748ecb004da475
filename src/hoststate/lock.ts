/**
 * Taking one host's run lock: decide where the state lives (root's /var/lib/hostforge, through
 * sudo when the login user is not root; else the login user's ~/.hostforge), hold the lock
 * script open on the host and read its answer: locked (with the handler journal), or busy
 * (with who holds it). A holder this bastion knows to be dead is ended and the lock taken.
 */
import { TaskError } from '../errors.js';
import type { RemoteHost } from '../transport/remote-host.js';
import type { HeldCommand } from '../transport/held.js';
import { deadHere, describeHolder, parseHolder, type LockHolder } from './lock-holder.js';
import { LOCK_BUSY, lockCommand, ROOT_STATE_DIR } from './lock-script.js';

export interface HostLockOptions {
  shared: boolean;
  waitSeconds: number;
  holder: LockHolder;
  /** The lock is busy and the run waits (--wait-lock): who holds it. */
  onWait?(holders: (LockHolder | string)[]): void;
  /** The held lock ended before the run released it (the watchdog or someone ended it). */
  onLost?(code: number): void;
  /** Seconds without a heartbeat after which the host frees the lock (lock-script.ts). */
  staleSeconds?: number;
}

export interface HostLock {
  /** The host as the state directory's owner (root, or the login user). */
  stateHost: RemoteHost;
  dir: string;
  /** The state is root's: the lock excludes every run on the host, whoever logs in. */
  root: boolean;
  shared: boolean;
  /** Lines of the handler journal as the lock found it. */
  journal: string[];
  /** Holders of dead runs that were ended to take the lock. */
  broke: string[];
  release(): Promise<void>;
}

/** A holder as the busy answer names it: its shell's PID on the host and its record. */
export interface BusyHolder {
  pid: number;
  holder: LockHolder | string;
}

export type LockAnswer = { kind: 'locked'; lock: HostLock } | { kind: 'busy'; holders: BusyHolder[] };

/** root when the login is root or sudo to root works, else the login user. */
async function stateOwner(host: RemoteHost): Promise<{ host: RemoteHost; root: boolean }> {
  const plain = host.withBecome({ enabled: false, user: 'root' });
  if (plain.runsAsRoot) return { host: plain, root: true };
  const root = host.withBecome({ enabled: true, user: 'root' });
  try {
    const r = await root.exec(['true']);
    if (r.code === 0) return { host: root, root: true };
  } catch {
    /* a refused sudo password: the user's own state */
  }
  return { host: plain, root: false };
}

export async function lockHost(host: RemoteHost, o: HostLockOptions): Promise<LockAnswer> {
  const owner = await stateOwner(host);
  const attempt = async (waitSeconds: number, breakPids: number[]): Promise<LockAnswer> => {
    const dir = owner.root ? ROOT_STATE_DIR : '';
    const held = await owner.host.hold(lockCommand({ shared: o.shared, waitSeconds, holder: JSON.stringify(o.holder), dir, breakPids, staleSeconds: o.staleSeconds }));
    try {
      return await readAnswer(held, owner, { ...o, waitSeconds });
    } catch (err) {
      await held.release(500);
      throw err;
    }
  };
  // First without waiting: a dead holder of this bastion is ended rather than waited for.
  const first = await attempt(0, []);
  if (first.kind === 'locked') return first;
  const dead = first.holders.filter((b) => deadHere(b.holder));
  if (dead.length > 0) {
    const again = await attempt(o.waitSeconds, dead.map((b) => b.pid));
    if (again.kind === 'locked') again.lock.broke.push(...dead.map((b) => describeHolder(b.holder)));
    return again;
  }
  if (o.waitSeconds > 0) return attempt(o.waitSeconds, []);
  return first;
}

async function readAnswer(held: HeldCommand, owner: { host: RemoteHost; root: boolean }, o: HostLockOptions): Promise<LockAnswer> {
  const holders: BusyHolder[] = [];
  const journal: string[] = [];
  let dir = '';
  let error = '';
  for (;;) {
    const line = await held.nextLine();
    if (line === undefined) {
      const code = await held.closed;
      if (code === LOCK_BUSY) return { kind: 'busy', holders };
      throw new TaskError(`${owner.host.name}: cannot take the run lock: ${error || `the lock script ended with exit ${code}`}`);
    }
    const [tag = '', ...rest] = line.split(' ');
    const arg = rest.join(' ');
    if (tag === 'HF-HOLDER') {
      const [pid = '', ...record] = rest;
      holders.push({ pid: Number(pid), holder: parseHolder(record.join(' ')) });
    } else if (tag === 'HF-END' && o.waitSeconds > 0) o.onWait?.(holders.map((b) => b.holder));
    else if (tag === 'HF-LOCKED') dir = arg;
    else if (tag === 'HF-J') journal.push(arg);
    else if (tag === 'HF-ERR') error = arg;
    else if (tag === 'HF-READY') {
      void held.closed.then((code) => {
        if (!held.released) o.onLost?.(code);
      });
      return { kind: 'locked', lock: { stateHost: owner.host, dir, root: owner.root, shared: o.shared, journal, broke: [], release: () => held.release() } };
    }
  }
}

/** "node1: locked by a run by ..." — one line per holder. */
export function busyMessage(host: string, holders: BusyHolder[]): string {
  if (holders.length === 0) return `${host}: locked by another hostforge run (it ended its holder record; it may be finishing)`;
  return holders.map((h) => `${host}: locked by ${describeHolder(h.holder)}`).join('\n');
}

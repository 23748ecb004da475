/**
 * Taking one host's run lock: decide where the state lives (root's /var/lib/hostforge, through
 * sudo when the login user is not root; else the login user's ~/.hostforge), hold the lock
 * script open on the host and read its answer: locked (with the handler journal), or busy
 * (with who holds it).
 */
import { TaskError } from '../errors.js';
import type { RemoteHost } from '../transport/remote-host.js';
import type { HeldCommand } from '../transport/held.js';
import { describeHolder, parseHolder, type LockHolder } from './lock-holder.js';
import { LOCK_BUSY, lockCommand, ROOT_STATE_DIR } from './lock-script.js';

export interface HostLockOptions {
  shared: boolean;
  waitSeconds: number;
  holder: LockHolder;
  /** The lock is busy and the run waits (--wait-lock): who holds it. */
  onWait?(holders: (LockHolder | string)[]): void;
}

export interface HostLock {
  /** The host as the state directory's owner (root, or the login user). */
  stateHost: RemoteHost;
  dir: string;
  shared: boolean;
  /** Lines of the handler journal as the lock found it. */
  journal: string[];
  release(): Promise<void>;
}

export type LockAnswer = { kind: 'locked'; lock: HostLock } | { kind: 'busy'; holders: (LockHolder | string)[] };

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
  const held = await owner.host.hold(lockCommand({ shared: o.shared, waitSeconds: o.waitSeconds, holder: JSON.stringify(o.holder), dir: owner.root ? ROOT_STATE_DIR : '' }));
  try {
    return await readAnswer(held, owner.host, o);
  } catch (err) {
    await held.release(500);
    throw err;
  }
}

async function readAnswer(held: HeldCommand, stateHost: RemoteHost, o: HostLockOptions): Promise<LockAnswer> {
  const holders: (LockHolder | string)[] = [];
  const journal: string[] = [];
  let dir = '';
  let error = '';
  for (;;) {
    const line = await held.nextLine();
    if (line === undefined) {
      const code = await held.closed;
      if (code === LOCK_BUSY) return { kind: 'busy', holders };
      throw new TaskError(`${stateHost.name}: cannot take the run lock: ${error || `the lock script ended with exit ${code}`}`);
    }
    const [tag = '', ...rest] = line.split(' ');
    const arg = rest.join(' ');
    if (tag === 'HF-HOLDER') holders.push(parseHolder(arg));
    else if (tag === 'HF-END' && o.waitSeconds > 0) o.onWait?.(holders);
    else if (tag === 'HF-LOCKED') dir = arg;
    else if (tag === 'HF-J') journal.push(arg);
    else if (tag === 'HF-ERR') error = arg;
    else if (tag === 'HF-READY') {
      return { kind: 'locked', lock: { stateHost, dir, shared: o.shared, journal, release: () => held.release() } };
    }
  }
}

/** "node1: held by a run by ..." — one line per holder. */
export function busyMessage(host: string, holders: (LockHolder | string)[]): string {
  if (holders.length === 0) return `${host}: locked by another hostforge run (it ended its holder record; it may be finishing)`;
  return holders.map((h) => `${host}: locked by ${describeHolder(h)}`).join('\n');
}

/**
 * After the reboot command: the bastion drives Ansible's two waits, each within
 * reboot_timeout: (1) a new login answers `boot_time_command` with a value other than the one
 * before the reboot, (2) `test_command` succeeds. Between attempts: exponential backoff
 * (1, 2, 4, 8, then 12 s, plus up to 1 s of jitter), as Ansible does. A lost or silent link
 * is dropped and the next attempt logs in again through the engine's reconnect hook.
 */
import { errorMessage, failureKind, HostforgeError, TaskError } from '../../errors.js';
import type { Host, HostLink } from '../types.js';

export interface WaitSpec {
  bootTimeCommand: string;
  testCommand: string;
  previousBootId: string;
  rebootTimeoutS: number;
  /** Per attempt: the new login's connect timeout and the command's time limit. */
  connectTimeoutS?: number;
  /** The pause after the n-th failed attempt (default backoffMs; tests pass a short one). */
  backoff?: (failures: number) => number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function backoffMs(failures: number): number {
  const jitter = Math.floor(Math.random() * 1000);
  return Math.min(2 ** failures * 1000, 12_000) + jitter;
}

/** Thrown when a wait ran out of time; the engine counts it as a failed task (exit 2), not an unreachable host. */
export class RebootTimeout extends TaskError {
  readonly result: { rebooted: boolean; elapsed: number };
  constructor(message: string, elapsed: number) {
    super(message);
    this.name = 'RebootTimeout';
    this.result = { rebooted: true, elapsed };
  }
}

/** The first line of the boot id command's output, trimmed; throws when the command fails. */
export async function readBootId(host: Host, command: string, timeoutMs?: number): Promise<string> {
  const r = await host.exec({ script: command }, timeoutMs !== undefined ? { timeoutMs } : {});
  if (r.code !== 0) {
    throw new TaskError(`reboot: failed to get host boot time info, rc: ${r.code}, stdout: ${r.stdout.trim()}, stderr: ${r.stderr.trim()}`);
  }
  return r.stdout.trim();
}

class Link {
  #up = true;
  constructor(
    readonly link: HostLink,
    readonly connectTimeoutS: number | undefined,
  ) {}

  async ensure(): Promise<void> {
    if (this.#up) return;
    await this.link.reopen(this.connectTimeoutS !== undefined ? this.connectTimeoutS * 1000 : undefined);
    this.#up = true;
  }

  async lost(): Promise<void> {
    this.#up = false;
    await this.link.drop();
  }
}

/** Retry `attempt` until it resolves or `timeoutS` has passed since `t0`; link faults re-login. */
async function untilSuccess(desc: string, link: Link, spec: WaitSpec, t0: number, attempt: () => Promise<void>): Promise<void> {
  const timeoutS = spec.rebootTimeoutS;
  const backoff = spec.backoff ?? backoffMs;
  const deadline = Date.now() + timeoutS * 1000;
  let failures = 0;
  let last = '';
  while (Date.now() < deadline) {
    try {
      await link.ensure();
      await attempt();
      return;
    } catch (err) {
      // A changed host key is refused at once, as on the first login (never retried into acceptance).
      if (err instanceof HostforgeError && err.code === 'HOST_KEY') throw err;
      last = errorMessage(err).split('\n').pop() ?? '';
      // A lost link, or a command that got no answer in time: log in again next time.
      if (failureKind(err) === 'unreachable' || /timed out/.test(last)) await link.lost();
    }
    await sleep(Math.min(backoff(failures++), Math.max(0, deadline - Date.now())));
  }
  const elapsed = Math.floor((Date.now() - t0) / 1000);
  throw new RebootTimeout(`Timed out waiting for ${desc} (timeout=${timeoutS})${last ? `: ${last}` : ''}`, elapsed);
}

/** Wait for the new boot, then for the test command. Resolves when both succeeded. */
export async function waitForReboot(host: Host, hostLink: HostLink, spec: WaitSpec, t0: number): Promise<void> {
  const link = new Link(hostLink, spec.connectTimeoutS);
  // Right after the reboot command the old connection is of no use any more.
  await link.lost();
  const limitMs = (spec.connectTimeoutS ?? 10) * 1000;
  await untilSuccess('last boot time check', link, spec, t0, async () => {
    const now = await readBootId(host, spec.bootTimeCommand, limitMs);
    if (now === '' || now === spec.previousBootId) throw new TaskError('boot time has not changed');
  });
  await untilSuccess('post-reboot test command', link, spec, t0, async () => {
    const r = await host.exec({ script: spec.testCommand }, { timeoutMs: limitMs });
    if (r.code !== 0) throw new TaskError(`Test command failed: ${r.stderr.trim()} ${r.stdout.trim()}`);
  });
}

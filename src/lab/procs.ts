/**
 * Lab processes, found the way `ip netns pids` finds them (the inode of /proc/PID/ns/net)
 * and by their root directory (a host's processes live chrooted in its overlay). Restarted
 * services escape any recorded PID, so teardown never relies on one.
 */
import { readdir, readlink, stat } from 'node:fs/promises';
import { HostforgeError } from '../errors.js';

export interface ProcInfo {
  pid: number;
  /** "dev:ino" of its network namespace. */
  net?: string;
  /** Its root directory as the machine sees it. */
  root?: string;
}

export async function nsKey(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

export async function scanProcs(): Promise<ProcInfo[]> {
  const entries = await readdir('/proc');
  const out: ProcInfo[] = [];
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const pid = Number(e);
        if (pid === process.pid) return;
        const [net, root] = await Promise.all([
          nsKey(`/proc/${e}/ns/net`),
          readlink(`/proc/${e}/root`).catch(() => undefined),
        ]);
        if (net === undefined && root === undefined) return; // gone, or a zombie
        out.push({ pid, net, root });
      }),
  );
  return out;
}

/** What makes a process part of a lab: its netns, or its root below a lab directory. */
export interface ProcMatch {
  netKeys: ReadonlySet<string>;
  rootPrefixes: readonly string[];
}

export function matches(p: ProcInfo, m: ProcMatch): boolean {
  if (p.net !== undefined && m.netKeys.has(p.net)) return true;
  const root = p.root;
  return root !== undefined && m.rootPrefixes.some((pre) => root === pre || root.startsWith(`${pre}/`));
}

export async function findProcs(m: ProcMatch): Promise<number[]> {
  if (m.netKeys.size === 0 && m.rootPrefixes.length === 0) return [];
  return (await scanProcs()).filter((p) => matches(p, m)).map((p) => p.pid);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * SIGKILL every matching process until none is left. Killing a host's `unshare` (or its
 * PID 1) takes the whole PID namespace, and its private mounts, with it.
 */
export async function killAll(m: ProcMatch, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await findProcs(m);
    if (pids.length === 0) return;
    if (Date.now() > deadline) {
      throw new HostforgeError('LAB', `lab processes survive SIGKILL: ${pids.join(', ')}`);
    }
    pids.forEach(kill);
    await sleep(20);
  }
}

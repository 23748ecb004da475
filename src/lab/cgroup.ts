/**
 * CPU accounting of a lab: one cgroup per slot, hfx<S>, that every host process starts in
 * (and every process it forks stays in), so what a run costs the hosts is the group's
 * counter, exited processes included. cgroup v1 `cpuacct` where it is mounted, else the
 * cgroup2 hierarchy (`cpu.stat` is there without any controller). Optional: a machine
 * without a writable hierarchy runs labs without it (labCpuSeconds is then undefined).
 */
import { mkdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bridgeName } from './layout.js';

interface Hierarchy {
  dir: string;
  /** CPU seconds used by the group, from its accounting file. */
  read(group: string): Promise<number>;
}

const V1: Hierarchy = {
  dir: '/sys/fs/cgroup/cpuacct',
  read: async (g) => Number((await readFile(join(g, 'cpuacct.usage'), 'utf8')).trim()) / 1e9,
};

const v2 = (dir: string): Hierarchy => ({
  dir,
  read: async (g) => {
    const m = /^usage_usec (\d+)$/m.exec(await readFile(join(g, 'cpu.stat'), 'utf8'));
    if (!m) throw new Error(`no usage_usec in ${g}/cpu.stat`);
    return Number(m[1]) / 1e6;
  },
});

async function hierarchy(): Promise<Hierarchy | undefined> {
  const mounts = await readFile('/proc/self/mounts', 'utf8').catch(() => '');
  const points = mounts.split('\n').map((l) => l.split(' '));
  if (points.some((f) => f[1] === V1.dir && f[2] === 'cgroup' && (f[3] ?? '').split(',').includes('cpuacct'))) return V1;
  const unified = points.find((f) => f[2] === 'cgroup2');
  return unified?.[1] ? v2(unified[1]) : undefined;
}

const groupDir = (h: Hierarchy, slot: number): string => join(h.dir, bridgeName(slot));

/** A fresh group for the slot; its cgroup.procs file, or undefined when accounting is unavailable. */
export async function createCpuGroup(slot: number): Promise<string | undefined> {
  const h = await hierarchy();
  if (!h) return undefined;
  const dir = groupDir(h, slot);
  await rmdir(dir).catch(() => undefined); // a crashed lab's (empty once its processes are gone): the counter restarts
  try {
    await mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  return join(dir, 'cgroup.procs');
}

/**
 * SIGKILL every process in the slot's group until it is empty (a process caught between its
 * start and its namespaces, which neither netns nor root matching finds), then remove it.
 */
export async function removeCpuGroup(slot: number, timeoutMs = 10_000): Promise<void> {
  const h = await hierarchy();
  if (!h) return;
  const dir = groupDir(h, slot);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    const pids = text.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
    if (pids.length === 0 || Date.now() > deadline) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await rmdir(dir).catch(() => undefined);
}

/** CPU seconds every process of the slot's hosts has used since the lab came up. */
export async function labCpuSeconds(slot: number): Promise<number | undefined> {
  const h = await hierarchy();
  if (!h) return undefined;
  return h.read(groupDir(h, slot)).catch(() => undefined);
}

/** argv that puts itself into the group (cgroup.procs), then runs `argv` (the same PID: exec). */
export function inCpuGroup(procsFile: string | undefined, argv: readonly string[]): string[] {
  if (procsFile === undefined) return [...argv];
  return ['sh', '-c', 'echo $$ > "$1" 2>/dev/null; shift; exec "$@"', 'sh', procsFile, ...argv];
}

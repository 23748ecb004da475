/**
 * Measuring one benchmark run: wall time, CPU of the whole controller process tree (rusage of
 * the reaped descendants, plus ssh ControlPersist masters that detach from the tree), peak RSS
 * of the tree (sampled), and the CPU the run cost the lab hosts: the lab's cgroup counter (every
 * process of its hosts, exited ones included; src/lab/cgroup.ts), or where the machine has no
 * cgroup hierarchy, /proc accounting of every process chrooted into the lab (live processes'
 * own time plus what they reaped).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, readdir, readlink, rm } from 'node:fs/promises';
import { labCpuSeconds } from '../src/lab/index.js';

const TICK = 100; // USER_HZ on Linux

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime+stime, seconds. */
  self: number;
  /** cutime+cstime (reaped children), seconds. */
  children: number;
  rssKb: number;
}

async function procStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const f = text.slice(text.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  const n = (k: number): number => Number(f[k - 3]);
  return { pid, ppid: n(4), self: (n(14) + n(15)) / TICK, children: (n(16) + n(17)) / TICK, rssKb: n(24) * 4 };
}

async function pids(): Promise<number[]> {
  return (await readdir('/proc')).filter((e) => /^\d+$/.test(e)).map(Number);
}

/** CPU seconds of every process whose root is below `rootPrefix` (the lab's hosts directory). */
export async function hostsCpu(rootPrefix: string): Promise<number> {
  let sum = 0;
  await Promise.all(
    (await pids()).map(async (pid) => {
      const root = await readlink(`/proc/${pid}/root`).catch(() => '');
      if (!root.startsWith(rootPrefix)) return;
      const s = await procStat(pid);
      if (s) sum += s.self + s.children;
    }),
  );
  return sum;
}

/** Processes whose command line contains `marker` (ssh ControlPersist masters of one control dir). */
async function markedProcs(marker: string): Promise<ProcStat[]> {
  const out: ProcStat[] = [];
  await Promise.all(
    (await pids()).map(async (pid) => {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (!cmd.includes(marker)) return;
      const s = await procStat(pid);
      if (s) out.push(s);
    }),
  );
  return out;
}

export async function killMarked(marker: string): Promise<void> {
  for (const p of await markedProcs(marker)) {
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
}

async function treeRssKb(root: number, marker: string | undefined): Promise<number> {
  const all = (await Promise.all((await pids()).map(procStat))).filter((s): s is ProcStat => s !== undefined);
  const kids = new Map<number, ProcStat[]>();
  for (const s of all) kids.set(s.ppid, [...(kids.get(s.ppid) ?? []), s]);
  let sum = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    for (const c of kids.get(pid) ?? []) {
      sum += c.rssKb;
      stack.push(c.pid);
    }
  }
  if (marker !== undefined) for (const s of await markedProcs(marker)) sum += s.rssKb;
  return sum;
}

export interface Sample {
  wall: number;
  cpu: number;
  rssMb: number;
  hostCpu: number;
  code: number;
}

export interface RunSpec {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  /** The lab's hosts directory: target CPU is counted for processes rooted below it (no cgroup). */
  hostsRoot: string;
  /** The lab's slot: target CPU is its cgroup's counter where there is one. */
  slot?: number;
  /** Marker of detached ssh masters to count as controller processes (Ansible's ControlPath dir). */
  masterMarker?: string;
  log: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Run argv under /usr/bin/time, sampling the tree's RSS every 200 ms. */
export async function measure(spec: RunSpec): Promise<Sample> {
  const timeOut = `${spec.log}.time`;
  const mastersBefore = spec.masterMarker ? await markedProcs(spec.masterMarker) : [];
  const targetCpu = async (): Promise<number> => (spec.slot !== undefined ? await labCpuSeconds(spec.slot) : undefined) ?? hostsCpu(spec.hostsRoot);
  const hostBefore = await targetCpu();
  const t0 = process.hrtime.bigint();
  const fd = openSync(spec.log, 'w');
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeOut, ...spec.argv], {
    stdio: ['ignore', fd, fd],
    env: spec.env ?? process.env,
  });
  closeSync(fd);
  let peakKb = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peakKb = Math.max(peakKb, await treeRssKb(child.pid as number, spec.masterMarker));
      await sleep(200);
    }
  })();
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  done = true;
  await sampler;
  await sleep(300); // let sshd reap the sessions that just closed
  const [user, sys, maxKb] = (await readFile(timeOut, 'utf8')).trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  await rm(timeOut, { force: true });
  let masters = 0;
  if (spec.masterMarker) {
    const before = new Map(mastersBefore.map((p) => [p.pid, p.self + p.children]));
    for (const p of await markedProcs(spec.masterMarker)) masters += p.self + p.children - (before.get(p.pid) ?? 0);
  }
  const hostAfter = await targetCpu();
  return {
    wall,
    cpu: (user ?? 0) + (sys ?? 0) + masters,
    rssMb: Math.max(peakKb, maxKb ?? 0) / 1024,
    hostCpu: hostAfter - hostBefore,
    code,
  };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

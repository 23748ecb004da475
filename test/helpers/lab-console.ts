/**
 * An out-of-band console into a lab host, for tests of changes that cut SSH: a process of the
 * host (its init) is found in the host's netns, and commands run with nsenter in all of its
 * namespaces and its root; files are read through /proc/PID/root.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { shQuote } from '../../src/util/quote.js';
import type { LabHost } from './lab.js';

const pids = new Map<string, number>();

/** The host's init (the lowest process of its netns whose root is the host's, not the machine's). */
export function hostPid(h: LabHost): number {
  const known = pids.get(h.netns);
  if (known !== undefined && readlinkOr(`/proc/${known}/root`) !== '/') return known;
  const r = spawnSync('ip', ['netns', 'pids', h.netns], { encoding: 'utf8' });
  const all = r.stdout.split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b);
  for (const p of all) {
    const root = readlinkOr(`/proc/${p}/root`);
    if (root !== '' && root !== '/') {
      pids.set(h.netns, p);
      return p;
    }
  }
  throw new Error(`no process of lab host ${h.name} found in netns ${h.netns}`);
}

function readlinkOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

export interface ConsoleResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a /bin/sh script on the host without SSH. */
export function consoleRun(h: LabHost, script: string): ConsoleResult {
  const r = spawnSync('nsenter', ['-t', String(hostPid(h)), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '/bin/sh', '-c', script], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Content digest, mode and owner of each file (a directory: of each file below it); "absent" when missing. */
export function fingerprint(h: LabHost, paths: readonly string[]): string {
  const each = paths.map((p) => {
    const q = shQuote(p);
    return `if [ -d ${q} ]; then find ${q} -exec stat -c '%n %F %a %u:%g %s' {} + | sort; find ${q} -type f -exec sha256sum {} + | sort; ` +
      `elif [ -e ${q} ]; then stat -c '%n %F %a %u:%g %s' ${q}; sha256sum ${q}; else echo "absent ${p}"; fi`;
  });
  const r = consoleRun(h, each.join('\n'));
  if (r.code !== 0) throw new Error(`fingerprint failed: ${r.stderr}`);
  return r.stdout;
}

/** The guard directories in the host's state directory (paths inside the host). */
export function guardDirs(h: LabHost, stateDir: string): string[] {
  try {
    return readdirSync(`/proc/${hostPid(h)}/root${stateDir}`)
      .filter((f) => f.startsWith('guard.'))
      .map((f) => `${stateDir}/${f}`);
  } catch {
    return [];
  }
}

/** PIDs (in the host) of lockout-guard timers still running there. */
export function timerPids(h: LabHost): number[] {
  const r = consoleRun(h, "for p in /proc/[0-9]*; do tr '\\000' ' ' < $p/cmdline 2>/dev/null | grep -q 'hostforge-[g]uard' && echo ${p#/proc/}; done; true");
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/**
 * Who holds a host's run lock: written on the host by the holder, read back by a run that
 * is refused or waits, and rendered into the message that names the holder. Also decides
 * whether a holder is provably dead from this bastion: a run of this very process that has
 * ended (an in-process run whose link was cut, so the host never saw its stdin end), or a
 * bastion process that no longer exists.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

export interface LockHolder {
  /** The operator: the bastion user that started the run. */
  user: string;
  bastion: string;
  /** The hostforge process on the bastion. */
  pid: number;
  /** ISO time the run started. */
  started: string;
  /** `hostforge apply site.yaml ...`, with -e values masked. */
  command: string;
  mode: 'apply' | 'check';
  /** A random id of the run (one process may run several, one after the other). */
  run?: string;
  /** The bastion's /etc/machine-id, when it has one (two bastions may share a hostname). */
  machine?: string;
}

let machineId: string | undefined | null = null;
function thisMachine(): string | undefined {
  if (machineId === null) {
    try {
      machineId = readFileSync('/etc/machine-id', 'utf8').trim().slice(0, 32) || undefined;
    } catch {
      machineId = undefined;
    }
  }
  return machineId;
}

/** Runs of this process that hold (or are taking) locks now. */
const activeRuns = new Set<string>();

export function runStarted(h: LockHolder): void {
  if (h.run) activeRuns.add(h.run);
}

export function runEnded(h: LockHolder): void {
  if (h.run) activeRuns.delete(h.run);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The holder is a run of this bastion that is known to be over: a run of this process that
 * has ended, or a process that is gone. Anything else (another bastion, a live process, a
 * record without a run id from the same process) is taken as alive.
 */
export function deadHere(h: LockHolder | string): boolean {
  if (typeof h === 'string' || h.bastion !== hostname()) return false;
  const mine = thisMachine();
  if (mine !== undefined && h.machine !== undefined && h.machine !== mine) return false;
  if (h.pid === process.pid) return h.run !== undefined && !activeRuns.has(h.run);
  return !processAlive(h.pid);
}

const VALUE_OPTIONS = new Set(['-e', '--extra-vars']);

/** The command line of this run as the holder file shows it: extra vars never appear. */
export function maskedCommand(argv: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (VALUE_OPTIONS.has(a)) {
      out.push(a, '***');
      i++;
    } else if (a.startsWith('--extra-vars=')) out.push('--extra-vars=***');
    else if (/^-e./.test(a)) out.push('-e***');
    else out.push(a);
  }
  return ['hostforge', ...out].join(' ');
}

export function thisRun(mode: LockHolder['mode'], argv: readonly string[], started = new Date()): LockHolder {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry: keep $USER */
  }
  const machine = thisMachine();
  return {
    user,
    bastion: hostname(),
    pid: process.pid,
    started: started.toISOString(),
    command: maskedCommand(argv),
    mode,
    run: randomBytes(6).toString('hex'),
    ...(machine !== undefined ? { machine } : {}),
  };
}

/** A holder line as read from the host; anything unreadable is shown as it is. */
export function parseHolder(line: string): LockHolder | string {
  try {
    const v = JSON.parse(line) as Partial<LockHolder>;
    if (typeof v.user === 'string' && typeof v.bastion === 'string' && typeof v.pid === 'number' && typeof v.started === 'string') {
      const h: LockHolder = { user: v.user, bastion: v.bastion, pid: v.pid, started: v.started, command: String(v.command ?? ''), mode: v.mode === 'check' ? 'check' : 'apply' };
      if (typeof v.run === 'string') h.run = v.run;
      if (typeof v.machine === 'string') h.machine = v.machine;
      return h;
    }
  } catch {
    /* not ours */
  }
  return line;
}

export function describeHolder(h: LockHolder | string, now = Date.now()): string {
  if (typeof h === 'string') return h;
  const age = Math.max(0, Math.round((now - Date.parse(h.started)) / 1000));
  const what = h.mode === 'check' ? 'a --check run' : 'a run';
  return `${what} by ${h.user}@${h.bastion} (pid ${h.pid}, since ${h.started}, ${age} s ago): ${h.command}`;
}

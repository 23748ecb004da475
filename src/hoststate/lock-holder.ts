/**
 * Who holds a host's run lock: written on the host by the holder, read back by a run that
 * is refused or waits, and rendered into the message that names the holder.
 */
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

export function thisRun(mode: LockHolder['mode'], argv: readonly string[], started = new Date(Date.now() - Math.round(process.uptime() * 1000))): LockHolder {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry: keep $USER */
  }
  return { user, bastion: hostname(), pid: process.pid, started: started.toISOString(), command: maskedCommand(argv), mode };
}

/** A holder line as read from the host; anything unreadable is shown as it is. */
export function parseHolder(line: string): LockHolder | string {
  try {
    const v = JSON.parse(line) as Partial<LockHolder>;
    if (typeof v.user === 'string' && typeof v.bastion === 'string' && typeof v.pid === 'number' && typeof v.started === 'string') {
      return { user: v.user, bastion: v.bastion, pid: v.pid, started: v.started, command: String(v.command ?? ''), mode: v.mode === 'check' ? 'check' : 'apply' };
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

/**
 * `hostforge` runs as child processes that a fault test can watch and kill: started, polled
 * for a condition, SIGKILLed at a chosen moment, and their output and exit code collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, REPO } from './cli.js';

export interface Finished {
  code: number;
  /** The signal that ended the run (SIGKILL when a test killed it). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  startedAt: number;
  endedAt: number;
}

export interface LiveRun {
  child: ChildProcess;
  startedAt: number;
  done: Promise<Finished>;
  kill(): void;
}

export function startRun(args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): LiveRun {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, CI: '1', SSH_AUTH_SOCK: '', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), startedAt, endedAt: Date.now() });
    }),
  );
  return { child, startedAt, done, kill: () => child.kill('SIGKILL') };
}

/** Wait until `cond()` holds (polled every `everyMs`), at most `timeoutMs`; false on timeout. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Run the real hostforge CLI (the built dist/) as a child process, as an operator would.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const CLI = join(here, '..', '..', 'src', 'cli', 'main.js');
export const REPO = join(here, '..', '..', '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function hostforge(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, CI: '1', SSH_AUTH_SOCK: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

export interface JsonChange {
  action: string;
  kind: string;
  target: string;
  summary: string;
  before?: string;
  after?: string;
  sensitive?: boolean;
}

export interface JsonEvent {
  type: string;
  host?: string;
  task?: string;
  item?: string;
  status?: string;
  changes?: JsonChange[];
  msg?: string;
  recap?: Record<string, { ok: number; changed: number; failed: number; skipped: number; unreachable: number }>;
  exitCode?: number;
}

export function events(stdout: string): JsonEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonEvent);
}

/** "host | task | item | action target: summary" for every change: comparable between runs. */
export function changeKeys(stdout: string): string[] {
  const out: string[] = [];
  for (const e of events(stdout)) {
    if (e.type !== 'task_result') continue;
    for (const c of e.changes ?? []) out.push(`${e.host} | ${e.task} | ${e.item ?? ''} | ${c.action} ${c.kind} ${c.target}`);
  }
  return out.sort();
}

export function recapOf(stdout: string): NonNullable<JsonEvent['recap']> {
  const end = events(stdout).find((e) => e.type === 'run_end');
  if (!end?.recap) throw new Error(`no run_end event in output:\n${stdout.slice(-2000)}`);
  return end.recap;
}

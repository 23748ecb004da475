/** Run a machine-side command (argv, no shell) and collect its output. */
import { spawn } from 'node:child_process';
import { HostforgeError } from '../errors.js';
import { shJoin } from '../util/quote.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new HostforgeError('LAB', 'empty command'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer =
      opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new HostforgeError('LAB', `cannot run ${shJoin(argv)}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Run and require exit 0; the error names the command and its stderr. */
export async function runOk(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    throw new HostforgeError('LAB', `${shJoin(argv)} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r.stdout;
}

/** Run, accepting failure when stderr says the object is already gone. */
export async function runGone(argv: readonly string[]): Promise<void> {
  const r = await run(argv);
  if (r.code === 0) return;
  if (/cannot find|does not exist|no such|not found|invalid argument|no such device/i.test(r.stderr)) return;
  throw new HostforgeError('LAB', `${shJoin(argv)} failed (exit ${r.code}): ${r.stderr.trim()}`);
}

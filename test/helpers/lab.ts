/**
 * Lab hosts for e2e tests. Each test file uses its own lab name, so files can run in parallel
 * (each lab takes its own slot). startLab always gives fresh hosts; call stopLab in test.after.always.
 */
import { spawn } from 'node:child_process';
import { labDown, labSshArgv, labUnavailableReason, labUp, type LabHost, type LabInfo } from '../../src/lab/index.js';

export type { LabHost, LabInfo };

/** Why this machine cannot run the lab (not root, not Linux, missing tools), or undefined. */
export const labSkipReason = labUnavailableReason;

/** HF_LAB_PREFIX lets several checkouts run the same e2e files at once without sharing a lab. */
const labName = (name: string): string => `${process.env.HF_LAB_PREFIX ?? ''}${name}`;

export async function startLab(name: string, count: number): Promise<LabInfo> {
  return labUp({ name: labName(name), count });
}

export async function stopLab(name: string): Promise<void> {
  await labDown({ name: labName(name) });
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run one shell command (compose it with shQuote/shJoin) on a lab host with the system `ssh`,
 * the lab key and known_hosts (BatchMode, no agent, strict host key checking).
 */
export function sshRun(
  info: LabInfo,
  host: string | LabHost,
  cmd: string,
  opts: { stdin?: string; timeoutMs?: number } = {},
): Promise<SshResult> {
  const [file, ...args] = [...labSshArgv(info, host), '--', cmd];
  return new Promise((resolve, reject) => {
    const child = spawn(file as string, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SSH_AUTH_SOCK: '' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 255 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

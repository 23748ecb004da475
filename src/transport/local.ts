/**
 * The bastion itself as a host (delegate_to: localhost, local_action, connection: local): the
 * same face as SshConnection (exec a /bin/sh command line, read, write a file), without SSH.
 */
import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { HostforgeError } from '../errors.js';
import type { RawExecResult } from './ssh.js';
import { HeldCommand } from './held.js';

export class LocalConnection {
  readonly spec: { name: string; user: string };

  constructor(name = 'localhost') {
    this.spec = { name, user: userInfo().username };
  }

  exec(command: string, stdin?: string | Buffer, timeoutMs?: number): Promise<RawExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs) {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new HostforgeError('TASK_FAILED', `${this.spec.name}: command timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      }
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => reject(new HostforgeError('TASK_FAILED', `${this.spec.name}: cannot run /bin/sh: ${e.message}`, { cause: e })));
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin ?? undefined);
    });
  }

  /** A command held open until released (the run lock); see held.ts. */
  async hold(command: string, stdin?: Buffer): Promise<HeldCommand> {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'ignore'] });
    child.stdin.on('error', () => undefined);
    return new HeldCommand(
      {
        write: (d) => child.stdin.write(d),
        end: () => child.stdin.end(),
        destroy: () => child.kill('SIGKILL'),
        onData: (fn) => child.stdout.on('data', fn),
        onClose: (fn) => child.on('close', (code, signal) => fn(code ?? (signal ? 128 : -1))),
      },
      stdin,
    );
  }

  async get(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new HostforgeError('TASK_FAILED', `${this.spec.name}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async put(data: Buffer, path: string, mode = 0o600): Promise<void> {
    try {
      await writeFile(path, data, { mode, flag: 'wx' });
      await chmod(path, mode);
    } catch (err) {
      throw new HostforgeError('TASK_FAILED', `${this.spec.name}: cannot write ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {}
}

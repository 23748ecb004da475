/**
 * One SSH connection per host for the whole run: ssh2 for exec channels, the SFTP
 * session of ssh2-sftp-client on the same connection for file transfer, through the
 * jump hosts' tunnels when the host has ProxyJump. The only module that imports ssh2
 * (with connect.ts and jumps.ts).
 *
 * Transport faults are classified here, in one place: an operation that fails while the
 * link is lost (keepalive timeout, ECONNRESET, a channel closed under it, an SFTP error)
 * is an UnreachableError, whatever the moment it happened; when the operation fails but the
 * connection still answers a probe, the original error stands (a task failure).
 */
import type { Client, ClientChannel } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { HostforgeError, UnreachableError } from '../errors.js';
import { DEFAULT_KEEPALIVE_COUNT, DEFAULT_KEEPALIVE_MS, prepareLogin, type LoginSpec } from './connect.js';
import type { Tunnels } from './jumps.js';
import { ShellSession } from './shell-session.js';

export interface ConnectionSpec extends LoginSpec {
  /** ProxyJump hops, outermost first; empty or absent: a direct connection. */
  jumps?: LoginSpec[];
}

export interface RawExecResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

const MAX_CHANNELS = 6; // OpenSSH's MaxSessions defaults to 10; closing channels linger a moment
const MAX_SHELLS = 3; // persistent shells per host (commands of one host rarely overlap)

export class SshConnection {
  readonly spec: ConnectionSpec;
  readonly #sftp: SftpClient;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  #closed = false;
  /** Why the link went away (keepalive timeout, reset, closed by the host). */
  #lost?: string;
  readonly #lostWaiters: (() => void)[] = [];
  readonly #shells: ShellSession[] = [];
  readonly #shellWaiters: (() => void)[] = [];
  #shellsBroken = false;
  #opening = 0;

  private constructor(spec: ConnectionSpec, sftp: SftpClient) {
    this.spec = spec;
    this.#sftp = sftp;
  }

  static async open(spec: ConnectionSpec, tunnels?: Tunnels): Promise<SshConnection> {
    let sock;
    if (spec.jumps && spec.jumps.length > 0) {
      if (!tunnels) throw new UnreachableError(`${spec.name}: has ProxyJump, but no jump host pool was given`);
      try {
        sock = await tunnels.tunnel(spec.jumps, spec.host, spec.port);
      } catch (err) {
        const code = err instanceof HostforgeError ? err.code : undefined;
        throw new UnreachableError(`${spec.name}: ${(err as Error).message}`, { cause: err, code });
      }
    }
    const login = await prepareLogin(spec, sock);
    // The library's default listeners print to the console: a dropped connection is
    // reported by the failing operation instead.
    const quiet = (): void => undefined;
    const sftp = new SftpClient(spec.name, { error: quiet, end: quiet, close: quiet });
    try {
      await sftp.connect(login.config);
    } catch (err) {
      throw login.describe(err);
    }
    await login.recordNewKey();
    const conn = new SshConnection(spec, sftp);
    const client = conn.#client;
    client.on('error', (err: Error) => conn.#markLost(err.message));
    client.on('end', () => conn.#markLost('the host closed the connection'));
    client.on('close', () => conn.#markLost('connection closed'));
    return conn;
  }

  /** ssh2-sftp-client 12 keeps its ssh2 Client in `.client` (its @types lag behind). */
  get #client(): Client {
    return (this.#sftp as unknown as { client: Client }).client;
  }

  get closed(): boolean {
    return this.#closed || this.#lost !== undefined;
  }

  #markLost(why: string): void {
    if (this.#lost !== undefined || this.#closed) return;
    this.#lost = /keepalive/i.test(why) ? `no answer to keepalives (${this.#keepaliveText()})` : why;
    for (const s of this.#shells) s.close();
    for (const w of this.#lostWaiters.splice(0)) w();
  }

  #keepaliveText(): string {
    const ms = this.spec.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS;
    return `ServerAliveInterval ${ms / 1000} s × ServerAliveCountMax ${this.spec.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT}`;
  }

  #unreachable(op: string, cause?: unknown): UnreachableError {
    const why = this.#lost ?? (this.#closed ? 'connection closed' : 'the link does not answer');
    return new UnreachableError(`${this.spec.name}: connection lost during ${op}: ${why}`, { cause });
  }

  /**
   * After a failed operation: is the link gone? Yes when it was lost; otherwise a new channel
   * running `true` must answer before the keepalives would have declared the link dead.
   */
  async #linkDown(): Promise<boolean> {
    if (this.closed) return true;
    const ms = this.spec.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS;
    const budget = (ms > 0 ? ms * ((this.spec.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT) + 1) : 20_000) + 5000;
    const probe = new Promise<boolean>((resolve) => {
      try {
        this.#client.exec('true', (err: Error | undefined, ch: ClientChannel) => {
          if (err) return resolve(true);
          ch.on('close', () => resolve(false));
          ch.on('error', () => resolve(true));
          ch.resume();
          ch.end();
        });
      } catch {
        resolve(true);
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const lost = new Promise<boolean>((resolve) => {
      this.#lostWaiters.push(() => resolve(true));
      timer = setTimeout(() => resolve(true), budget);
    });
    try {
      return (await Promise.race([probe, lost])) || this.closed;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Run an operation; when it fails because the link is gone, the failure is an UnreachableError. */
  async #guard<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw this.#unreachable(op);
    try {
      return await fn();
    } catch (err) {
      if (err instanceof UnreachableError) throw err;
      if (await this.#linkDown()) throw this.#unreachable(op, err);
      throw err;
    }
  }

  async #slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= MAX_CHANNELS) await new Promise<void>((r) => this.#waiting.push(r));
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }

  /**
   * A free persistent shell (waiting for one when all are busy), a new one, or
   * undefined when the host refuses shell sessions (then plain channels are used).
   */
  async #shell(): Promise<ShellSession | undefined> {
    for (;;) {
      for (let i = this.#shells.length - 1; i >= 0; i--) if (!this.#shells[i]!.alive) this.#shells.splice(i, 1);
      const free = this.#shells.find((s) => !s.busy && !s.reserved);
      if (free) {
        free.reserved = true;
        return free;
      }
      if (this.#shellsBroken || this.closed) return undefined;
      if (this.#shells.length + this.#opening < MAX_SHELLS) {
        this.#opening++;
        const s = await ShellSession.open(this.#client).catch(() => undefined);
        this.#opening--;
        if (!s) {
          if (this.#shells.length === 0 && !this.closed) this.#shellsBroken = true;
          return undefined;
        }
        s.reserved = true;
        this.#shells.push(s);
        return s;
      }
      await new Promise<void>((r) => this.#shellWaiters.push(r));
    }
  }

  #release(s: ShellSession): void {
    s.reserved = false;
    this.#shellWaiters.shift()?.();
  }

  /** Run one /bin/sh command line; never throws on a non-zero exit. */
  exec(command: string, stdin?: string | Buffer, timeoutMs?: number): Promise<RawExecResult> {
    return this.#guard('a command', async () => {
      const shell = await this.#shell();
      if (!shell) return this.#execChannel(command, stdin, timeoutMs);
      try {
        return await shell.run(command, stdin, timeoutMs);
      } catch (err) {
        if (/timed out/.test((err as Error).message)) throw new HostforgeError('TASK_FAILED', `${this.spec.name}: command timed out after ${timeoutMs} ms`, { cause: err });
        if (await this.#linkDown()) throw this.#unreachable('a command', err);
        // The session died (not the command): run it on a channel of its own instead.
        return this.#execChannel(command, stdin, timeoutMs);
      } finally {
        this.#release(shell);
      }
    });
  }

  /** One exec channel for one command. */
  #execChannel(command: string, stdin?: string | Buffer, timeoutMs?: number): Promise<RawExecResult> {
    return this.#slot(
      () =>
        new Promise<RawExecResult>((resolve, reject) => {
          if (this.closed) {
            reject(this.#unreachable('a command'));
            return;
          }
          this.#client.exec(command, (err: Error | undefined, stream: ClientChannel) => {
            if (err) {
              reject(new HostforgeError('TASK_FAILED', `${this.spec.name}: cannot open a channel: ${err.message}`, { cause: err }));
              return;
            }
            const out: Buffer[] = [];
            const errOut: Buffer[] = [];
            let code: number | undefined;
            let timer: NodeJS.Timeout | undefined;
            if (timeoutMs) {
              timer = setTimeout(() => {
                stream.close();
                reject(new HostforgeError('TASK_FAILED', `${this.spec.name}: command timed out after ${timeoutMs} ms`));
              }, timeoutMs);
            }
            stream.on('data', (d: Buffer) => out.push(d));
            stream.stderr.on('data', (d: Buffer) => errOut.push(d));
            stream.on('exit', (c: number | null, signal?: string) => {
              code = c ?? (signal ? 128 : -1);
            });
            stream.on('close', () => {
              if (timer) clearTimeout(timer);
              // No exit status: the channel was torn down under the command (the guard asks the link).
              if (code === undefined) reject(new Error('the channel closed before the command ended'));
              else resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
            });
            stream.end(stdin ?? undefined);
          });
        }),
    );
  }

  /** File contents over SFTP, or null when it does not exist. */
  get(path: string): Promise<Buffer | null> {
    return this.#guard(`the download of ${path}`, () =>
      this.#slot(async () => {
        try {
          const data = await this.#sftp.get(path);
          return Buffer.isBuffer(data) ? data : Buffer.from(String(data));
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          if (code === 2 || code === 'ENOENT' || /No such file/i.test((err as Error).message)) return null;
          throw new HostforgeError('TASK_FAILED', `${this.spec.name}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
        }
      }),
    );
  }

  put(data: Buffer, path: string, mode = 0o600): Promise<void> {
    return this.#guard(`the upload of ${path}`, () =>
      this.#slot(async () => {
        try {
          await this.#sftp.put(data, path, { writeStreamOptions: { mode } });
        } catch (err) {
          throw new HostforgeError('TASK_FAILED', `${this.spec.name}: cannot upload ${path}: ${(err as Error).message}`, { cause: err });
        }
      }),
    );
  }

  /**
   * Forget the link at once (the host is going down: a reboot). No goodbye is sent and nothing
   * is waited for; operations still running on it fail as a lost link.
   */
  abandon(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#shells) s.close();
    for (const w of this.#lostWaiters.splice(0)) w();
    try {
      this.#client.destroy();
    } catch {
      /* already gone */
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#shells) s.close();
    if (this.#lost !== undefined) return;
    try {
      await this.#sftp.end();
    } catch {
      /* already gone */
    }
  }
}

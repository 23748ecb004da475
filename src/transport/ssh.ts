/**
 * One SSH connection per host for the whole run: ssh2 for exec channels, the SFTP
 * session of ssh2-sftp-client on the same connection for file transfer.
 * The only module that imports ssh2.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import SftpClient from 'ssh2-sftp-client';
import { HostforgeError, UnreachableError } from '../errors.js';
import type { Secret } from '../util/secret.js';
import { ShellSession } from './shell-session.js';
import { HeldCommand } from './held.js';
import {
  appendKnownHost,
  blobKeyType,
  fingerprint,
  hostToken,
  preferredHostKeyAlgorithms,
  readKnownHosts,
  verifyHostKey,
  type HostKeyVerdict,
} from './known-hosts.js';

export interface ConnectionSpec {
  /** Inventory name, for messages. */
  name: string;
  host: string;
  port: number;
  user: string;
  privateKeyFile?: string;
  password?: Secret;
  knownHostsFile?: string;
  acceptNewHostKeys?: boolean;
  connectTimeoutMs: number;
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
  readonly #shells: ShellSession[] = [];
  readonly #shellWaiters: (() => void)[] = [];
  #shellsBroken = false;
  #opening = 0;

  private constructor(spec: ConnectionSpec, sftp: SftpClient) {
    this.spec = spec;
    this.#sftp = sftp;
  }

  static async open(spec: ConnectionSpec): Promise<SshConnection> {
    const knownHostsFile = spec.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
    const entries = await readKnownHosts(knownHostsFile);
    let verdict: HostKeyVerdict | undefined;
    let presented: Buffer | undefined;

    const config: ConnectConfig = {
      host: spec.host,
      port: spec.port,
      username: spec.user,
      readyTimeout: spec.connectTimeoutMs,
      keepaliveInterval: 15000,
      hostVerifier: (key: Buffer) => {
        presented = key;
        verdict = verifyHostKey(entries, spec.host, spec.port, key);
        if (verdict.ok) return true;
        return verdict.reason === 'unknown' && spec.acceptNewHostKeys === true;
      },
    };
    const algs = preferredHostKeyAlgorithms(entries, spec.host, spec.port);
    if (algs) config.algorithms = { serverHostKey: algs as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    if (spec.privateKeyFile) {
      try {
        config.privateKey = await readFile(spec.privateKeyFile);
      } catch (err) {
        throw new UnreachableError(`${spec.name}: cannot read private key ${spec.privateKeyFile}: ${(err as Error).message}`, { cause: err });
      }
    }
    if (spec.password) config.password = spec.password.reveal();
    if (!spec.privateKeyFile && !spec.password && process.env.SSH_AUTH_SOCK) config.agent = process.env.SSH_AUTH_SOCK;

    // The library's default listeners print to the console: a dropped connection is
    // reported by the failing operation instead.
    const quiet = (): void => undefined;
    const sftp = new SftpClient(spec.name, { error: quiet, end: quiet, close: quiet });
    try {
      await sftp.connect(config);
    } catch (err) {
      throw describeConnectError(spec, knownHostsFile, verdict, presented, err);
    }
    if (verdict && !verdict.ok && verdict.reason === 'unknown' && presented) {
      await appendKnownHost(knownHostsFile, spec.host, spec.port, presented);
    }
    const conn = new SshConnection(spec, sftp);
    sftp.on('close', () => {
      conn.#closed = true;
    });
    return conn;
  }

  /** ssh2-sftp-client 12 keeps its ssh2 Client in `.client` (its @types lag behind). */
  get #client(): Client {
    return (this.#sftp as unknown as { client: Client }).client;
  }

  get closed(): boolean {
    return this.#closed;
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
      if (this.#shellsBroken) return undefined;
      if (this.#shells.length + this.#opening < MAX_SHELLS) {
        this.#opening++;
        const s = await ShellSession.open(this.#client).catch(() => undefined);
        this.#opening--;
        if (!s) {
          if (this.#shells.length === 0) this.#shellsBroken = true;
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
  async exec(command: string, stdin?: string | Buffer, timeoutMs?: number): Promise<RawExecResult> {
    if (this.#closed) throw new UnreachableError(`${this.spec.name}: connection closed`);
    const shell = await this.#shell();
    if (shell) {
      try {
        return await shell.run(command, stdin, timeoutMs);
      } catch (err) {
        this.#release(shell);
        if (/timed out/.test((err as Error).message)) throw new HostforgeError('TASK_FAILED', `${this.spec.name}: command timed out after ${timeoutMs} ms`, { cause: err });
        if (this.#closed) throw new UnreachableError(`${this.spec.name}: connection closed`, { cause: err });
        // The session died (not the command): run it on a channel of its own instead.
        return this.#execChannel(command, stdin, timeoutMs);
      } finally {
        this.#release(shell);
      }
    }
    return this.#execChannel(command, stdin, timeoutMs);
  }

  /** One exec channel for one command. */
  #execChannel(command: string, stdin?: string | Buffer, timeoutMs?: number): Promise<RawExecResult> {
    return this.#slot(
      () =>
        new Promise<RawExecResult>((resolve, reject) => {
          if (this.#closed) {
            reject(new UnreachableError(`${this.spec.name}: connection closed`));
            return;
          }
          this.#client.exec(command, (err: Error | undefined, stream: ClientChannel) => {
            if (err) {
              reject(new UnreachableError(`${this.spec.name}: cannot open a channel: ${err.message}`, { cause: err }));
              return;
            }
            const out: Buffer[] = [];
            const errOut: Buffer[] = [];
            let code = -1;
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
              resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
            });
            stream.end(stdin ?? undefined);
          });
        }),
    );
  }

  /**
   * A command held open on a channel of its own for as long as the caller wants (the run
   * lock); it takes one channel slot for its whole life.
   */
  async hold(command: string, stdin?: Buffer): Promise<HeldCommand> {
    if (this.#closed) throw new UnreachableError(`${this.spec.name}: connection closed`);
    if (this.#active >= MAX_CHANNELS) await new Promise<void>((r) => this.#waiting.push(r));
    this.#active++;
    const free = (): void => {
      this.#active--;
      this.#waiting.shift()?.();
    };
    const stream = await new Promise<ClientChannel>((resolve, reject) =>
      this.#client.exec(command, (err: Error | undefined, ch: ClientChannel) => (err ? reject(new UnreachableError(`${this.spec.name}: cannot open a channel: ${err.message}`, { cause: err })) : resolve(ch))),
    ).catch((err: unknown) => {
      free();
      throw err;
    });
    let code = -1;
    stream.on('exit', (c: number | null, signal?: string) => (code = c ?? (signal ? 128 : -1)));
    stream.stderr.resume();
    return new HeldCommand(
      {
        write: (d) => stream.write(d),
        end: () => stream.end(),
        destroy: () => stream.close(),
        onData: (fn) => stream.on('data', fn),
        onClose: (fn) =>
          stream.on('close', () => {
            free();
            fn(code);
          }),
      },
      stdin,
    );
  }

  /** File contents over SFTP, or null when it does not exist. */
  async get(path: string): Promise<Buffer | null> {
    return this.#slot(async () => {
      try {
        const data = await this.#sftp.get(path);
        return Buffer.isBuffer(data) ? data : Buffer.from(String(data));
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 2 || code === 'ENOENT' || /No such file/i.test((err as Error).message)) return null;
        throw new HostforgeError('TASK_FAILED', `${this.spec.name}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  async put(data: Buffer, path: string, mode = 0o600): Promise<void> {
    await this.#slot(async () => {
      try {
        await this.#sftp.put(data, path, { writeStreamOptions: { mode } });
      } catch (err) {
        throw new HostforgeError('TASK_FAILED', `${this.spec.name}: cannot upload ${path}: ${(err as Error).message}`, { cause: err });
      }
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#shells) s.close();
    try {
      await this.#sftp.end();
    } catch {
      /* already gone */
    }
  }
}

function describeConnectError(
  spec: ConnectionSpec,
  knownHostsFile: string,
  verdict: HostKeyVerdict | undefined,
  presented: Buffer | undefined,
  err: unknown,
): HostforgeError {
  const where = `${spec.name} (${spec.user}@${spec.host}:${spec.port})`;
  if (verdict && !verdict.ok && presented) {
    const fp = `${fingerprint(presented)} (${blobKeyType(presented)})`;
    const token = hostToken(spec.host, spec.port);
    if (verdict.reason === 'mismatch') {
      const lines = verdict.expected.map((e) => `${knownHostsFile}:${e.line}`).join(', ');
      return new UnreachableError(
        `${where}: HOST KEY MISMATCH, connection refused. The host presented ${fp}, but ${lines} records a different key. ` +
          `This can be a man-in-the-middle attack or a reinstalled host. Check the fingerprint on the host's console ` +
          `(ssh-keygen -lf /etc/ssh/ssh_host_${blobKeyType(presented).replace(/^ssh-|-sha2-nistp\d+$/g, '')}_key.pub); ` +
          `if the change is expected, remove the old key with: ssh-keygen -R '${token}' -f ${knownHostsFile}`,
        { cause: err, code: 'HOST_KEY' },
      );
    }
    if (verdict.reason === 'revoked') {
      return new UnreachableError(`${where}: the host presented a REVOKED key ${fp} (${knownHostsFile}:${verdict.entry.line})`, {
        cause: err,
        code: 'HOST_KEY',
      });
    }
    return new UnreachableError(
      `${where}: unknown host key ${fp}, not in ${knownHostsFile}. Verify the fingerprint on the host ` +
        `(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then run again with --accept-new-host-keys to record it.`,
      { cause: err, code: 'HOST_KEY' },
    );
  }
  const msg = (err as Error)?.message ?? String(err);
  return new UnreachableError(`${where}: ${msg.replace(/^connect: /, '')}`, { cause: err });
}

/**
 * One SSH connection per host for the whole run, opened on first use (at most
 * --forks at a time) and closed at the end; jump hosts' connections are shared by
 * every host behind them. Also opens the lockout guard's throw-away second connection.
 */
import { TaskError, UnreachableError } from '../errors.js';
import type { Facts, Host, HostLink, Vars } from '../modules/types.js';
import { RemoteHost, type BecomeSpec } from '../transport/remote-host.js';
import { SshConnection, type ConnectionSpec } from '../transport/ssh.js';
import { LocalConnection } from '../transport/local.js';
import { JumpPool } from '../transport/jumps.js';

export interface ConnectionPoolOptions {
  specFor(host: string): ConnectionSpec;
  becomeFor(host: string): BecomeSpec;
  varsFor(host: string): Vars;
  readFacts(host: Host): Promise<Facts>;
  /** The bastion itself (`localhost` outside the inventory, or ansible_connection: local): no SSH. */
  isLocal?(host: string): boolean;
}

export class ConnectionPool {
  readonly #opts: ConnectionPoolOptions;
  readonly #open = new Map<string, Promise<RemoteHost>>();
  /** One connection per jump host, shared by every host behind it. */
  readonly jumps = new JumpPool();

  constructor(opts: ConnectionPoolOptions) {
    this.#opts = opts;
  }

  host(name: string): Promise<RemoteHost> {
    let p = this.#open.get(name);
    if (!p) {
      const become = this.#opts.becomeFor(name);
      p = this.#opts.isLocal?.(name)
        ? Promise.resolve(new RemoteHost(name, this.#opts.varsFor(name), new LocalConnection(name), become, this.#opts.readFacts))
        : SshConnection.open(this.#opts.specFor(name), this.jumps).then((conn) => new RemoteHost(name, this.#opts.varsFor(name), conn, become, this.#opts.readFacts));
      this.#open.set(name, p);
    }
    return p;
  }

  /** Open a NEW connection and run `true`: proves that login still works. */
  async probeLogin(name: string): Promise<void> {
    const spec = { ...this.#opts.specFor(name), acceptNewHostKeys: false };
    let conn: SshConnection | undefined;
    try {
      conn = await SshConnection.open(spec, this.jumps);
      const r = await conn.exec('true', undefined, spec.connectTimeoutMs);
      if (r.code !== 0) throw new UnreachableError(`${name}: login works but running a command failed (exit ${r.code})`);
    } finally {
      await conn?.close();
    }
  }

  /**
   * The reconnect hook of `reboot`: drop the host's connection at once, then open a new login
   * (same user, keys, known_hosts, ProxyJump chain) that the same RemoteHost, and so every
   * become-variant and every later task of the run, uses from then on. The persistent shells
   * and the SFTP session come back on the new connection when first needed.
   */
  link(name: string): HostLink {
    const local = this.#opts.isLocal?.(name) === true;
    const current = async (): Promise<RemoteHost | undefined> => this.#open.get(name)?.catch(() => undefined);
    return {
      local,
      drop: async () => {
        (await current())?.connection.abandon?.();
      },
      reopen: async (connectTimeoutMs?: number) => {
        if (local) throw new TaskError(`${name}: the bastion itself (local connection) cannot be reconnected`);
        const host = await current();
        const spec = { ...this.#opts.specFor(name), ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}) };
        const conn = await SshConnection.open(spec, this.jumps);
        if (!host) {
          this.#open.set(name, Promise.resolve(new RemoteHost(name, this.#opts.varsFor(name), conn, this.#opts.becomeFor(name), this.#opts.readFacts)));
          return;
        }
        host.replaceConnection(conn).abandon?.();
      },
    };
  }

  /**
   * Each request's script on its host, if that host has a live connection (reboot-required.ts),
   * with the host's own become; a host that does not answer is left out.
   */
  async probe(requests: readonly { host: string; script: string; stdin?: string }[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    await Promise.all(
      requests.map(async ({ host: name, script, stdin }) => {
        if (this.#opts.isLocal?.(name)) return;
        const host = await this.#open.get(name)?.catch(() => undefined);
        if (!host || host.connection.closed === true) return;
        try {
          const r = await host.exec({ script }, { timeoutMs: 10_000, ...(stdin !== undefined ? { stdin } : {}) });
          if (r.code === 0) out.set(name, r.stdout);
        } catch {
          /* the host went away: nothing to say about it */
        }
      }),
    );
    return out;
  }

  async closeAll(): Promise<void> {
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(
      all.map(async (p) => {
        try {
          await (await p).connection.close();
        } catch {
          /* never opened */
        }
      }),
    );
    await this.jumps.closeAll();
  }
}

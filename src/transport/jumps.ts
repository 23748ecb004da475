/**
 * ProxyJump: one SSH connection per jump host for the whole run, shared by every host behind
 * it. A chain `a,b` is a connection to `a`, then a connection to `b` over a direct-tcpip
 * channel of `a` (what `ssh -W` does), and so on; each hop's host key is checked against its
 * own known_hosts like any login, and an error names the hop.
 */
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel } from 'ssh2';
import { UnreachableError } from '../errors.js';
import { prepareLogin, type LoginSpec } from './connect.js';

/** Opens the tunnel of a target host (SshConnection asks for it; the engine's pool owns one). */
export interface Tunnels {
  /** A byte stream to host:port through `hops` (outermost first). */
  tunnel(hops: readonly LoginSpec[], host: string, port: number): Promise<Duplex>;
}

const hopKey = (hops: readonly LoginSpec[]): string => hops.map((h) => `${h.user}@${h.host}:${h.port}`).join('>');

export class JumpPool implements Tunnels {
  readonly #clients = new Map<string, Promise<Client>>();
  readonly #live = new Set<Client>();

  async tunnel(hops: readonly LoginSpec[], host: string, port: number): Promise<Duplex> {
    const last = hops[hops.length - 1];
    if (!last) throw new UnreachableError(`no jump host to reach ${host}:${port} through`);
    const client = await this.#client(hops);
    return new Promise<Duplex>((resolve, reject) => {
      const fail = (err: unknown): void =>
        reject(new UnreachableError(`${last.name} (${last.user}@${last.host}:${last.port}) cannot open a tunnel to ${host}:${port}: ${(err as Error).message}`, { cause: err }));
      try {
        client.forwardOut('127.0.0.1', 0, host, port, (err: Error | undefined, stream: ClientChannel) => (err ? fail(err) : resolve(stream)));
      } catch (err) {
        fail(err); // "Not connected": the hop went away since
      }
    });
  }

  /** Open connections to jump hosts (for tests and diagnostics). */
  get openCount(): number {
    return this.#clients.size;
  }

  /** The connection to the last hop of `hops`, opened once (a failure is kept: every host behind it gets the same error). */
  #client(hops: readonly LoginSpec[]): Promise<Client> {
    const key = hopKey(hops);
    let p = this.#clients.get(key);
    if (!p) {
      p = this.#open(hops, key);
      p.catch(() => undefined);
      this.#clients.set(key, p);
    }
    return p;
  }

  async #open(hops: readonly LoginSpec[], key: string): Promise<Client> {
    const spec = hops[hops.length - 1]!;
    const sock = hops.length > 1 ? await this.tunnel(hops.slice(0, -1), spec.host, spec.port) : undefined;
    const login = await prepareLogin(spec, sock);
    const client = new Client();
    this.#live.add(client);
    client.on('close', () => this.#live.delete(client));
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', () => resolve());
        client.once('error', reject);
        client.connect(login.config);
      });
    } catch (err) {
      throw login.describe(err);
    }
    await login.recordNewKey();
    // A lost hop is reported by the connections behind it; a later host opens it afresh.
    client.on('error', () => undefined);
    client.on('close', () => {
      if (this.#clients.get(key) !== undefined) this.#clients.delete(key);
    });
    return client;
  }

  /** Close every hop, innermost first (the tunnels of outer hops carry the inner ones). */
  async closeAll(): Promise<void> {
    this.#clients.clear();
    for (const c of [...this.#live].reverse()) {
      await new Promise<void>((resolve) => {
        c.once('close', () => resolve());
        setTimeout(resolve, 2000).unref();
        c.end();
      });
    }
  }
}

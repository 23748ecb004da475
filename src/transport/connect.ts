/**
 * What every SSH login needs, for a target host and for each jump host alike: the ssh2
 * connect options (key, password, agent, keepalives, the socket of a tunnel), the host key
 * check against known_hosts, and the error that says what went wrong and how to check it.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ConnectConfig } from 'ssh2';
import { type HostforgeError, UnreachableError } from '../errors.js';
import type { Secret } from '../util/secret.js';
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

/** How to log in to one machine: a target host, or a jump host on the way to one. */
export interface LoginSpec {
  /** For messages: the inventory name, or "jump host NAME". */
  name: string;
  host: string;
  port: number;
  user: string;
  privateKeyFile?: string;
  password?: Secret;
  knownHostsFile?: string;
  acceptNewHostKeys?: boolean;
  connectTimeoutMs: number;
  /** ServerAliveInterval in ms (0: off) and ServerAliveCountMax. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

/**
 * 5 s × 3: a silent link is declared dead 15-20 s after it went quiet (ssh2 gives up on the
 * fourth unanswered probe), well before TCP's own retransmission timeout of minutes.
 */
export const DEFAULT_KEEPALIVE_MS = 5000;
export const DEFAULT_KEEPALIVE_COUNT = 3;

export interface PreparedLogin {
  config: ConnectConfig;
  /** Record a newly accepted key (after a successful login only). */
  recordNewKey(): Promise<void>;
  /** The connect error, made readable: host key problems first, then the transport's reason. */
  describe(err: unknown): HostforgeError;
}

export async function prepareLogin(spec: LoginSpec, sock?: Duplex): Promise<PreparedLogin> {
  const knownHostsFile = spec.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
  const entries = await readKnownHosts(knownHostsFile);
  let verdict: HostKeyVerdict | undefined;
  let presented: Buffer | undefined;

  const config: ConnectConfig = {
    host: spec.host,
    port: spec.port,
    username: spec.user,
    readyTimeout: spec.connectTimeoutMs,
    keepaliveInterval: spec.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
    keepaliveCountMax: spec.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT,
    hostVerifier: (key: Buffer) => {
      presented = key;
      verdict = verifyHostKey(entries, spec.host, spec.port, key);
      if (verdict.ok) return true;
      return verdict.reason === 'unknown' && spec.acceptNewHostKeys === true;
    },
  };
  if (sock) config.sock = sock;
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

  return {
    config,
    recordNewKey: async () => {
      if (verdict && !verdict.ok && verdict.reason === 'unknown' && presented) await appendKnownHost(knownHostsFile, spec.host, spec.port, presented);
    },
    describe: (err) => describeConnectError(spec, knownHostsFile, verdict, presented, err),
  };
}

function describeConnectError(
  spec: LoginSpec,
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

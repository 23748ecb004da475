/**
 * etcdctl (v3 API, etcd 3.4+) over mutual TLS, shared by the etcd modules. Credentials
 * never appear in an argv: the password is read from stdin into ETCDCTL_PASSWORD, which
 * etcdctl takes as its --password flag.
 */
import { shJoin, shQuote } from '../../util/quote.js';

export interface EtcdTls {
  endpoints: string[];
  cacert: string;
  cert: string;
  key: string;
}

export const tlsSchemaProps = {
  endpoints: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
  cacert: { type: 'string', minLength: 1 },
  cert: { type: 'string', minLength: 1 },
  key: { type: 'string', minLength: 1 },
} as const;

/** `etcdctl --endpoints=... --cacert ... <args>` as an argv. */
export function etcdctl(tls: EtcdTls, args: string[], endpoints = tls.endpoints): string[] {
  return [
    'etcdctl',
    `--endpoints=${endpoints.join(',')}`,
    `--cacert=${tls.cacert}`,
    `--cert=${tls.cert}`,
    `--key=${tls.key}`,
    '--dial-timeout=3s',
    '--command-timeout=10s',
    ...args,
  ];
}

/**
 * A script that reads the password (first stdin line) and runs the given etcdctl
 * command lines as `user` with it. Each line is an argv; lines run with `&&`.
 */
export function asUser(user: string, lines: string[][]): string {
  return [
    'IFS= read -r ETCDCTL_PASSWORD',
    `ETCDCTL_USER=${shQuote(user)}`,
    'export ETCDCTL_PASSWORD ETCDCTL_USER',
    lines.map((l) => shJoin(l)).join(' && '),
  ].join('\n');
}

/** The same, but the password is also fed to the FIRST command's stdin (user add --interactive=false). */
export function withPasswordOnStdin(first: string[], rest: string[][]): string {
  return [
    'IFS= read -r P',
    `printf '%s\\n' "$P" | ${shJoin(first)}`,
    ...rest.map((l) => shJoin(l)),
  ].join(' &&\n');
}

export interface EtcdMember {
  ID?: number | string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
}

/** Parse `etcdctl member list -w json`. */
export function parseMembers(text: string): EtcdMember[] | undefined {
  try {
    const j = JSON.parse(text) as { members?: EtcdMember[] };
    return Array.isArray(j.members) ? j.members : undefined;
  } catch {
    return undefined;
  }
}

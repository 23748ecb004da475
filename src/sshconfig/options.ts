/**
 * Typed connection options from resolved ssh_config values, checked: a bad Port or
 * ConnectTimeout is an InputError naming the host and the option.
 */
import { InputError } from '../errors.js';
import type { RawOptions } from './resolve.js';
import { expandPath, expandTokens, localUser } from './tokens.js';

export interface JumpHop {
  host: string;
  user?: string;
  port?: number;
}

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';

export interface SshOptions {
  /** Address to connect to: HostName with %h expanded, else the host as given. */
  hostName: string;
  user: string;
  port: number;
  /** IdentityFile values as written (ssh -G prints them so) and expanded. */
  identityFilesRaw: string[];
  identityFiles: string[];
  identitiesOnly: boolean;
  /** Hops in order (outermost first); empty for none. */
  proxyJump: JumpHop[];
  userKnownHostsFiles: string[];
  strictHostKeyChecking: StrictHostKeyChecking;
  connectTimeoutS?: number;
  serverAliveIntervalS: number;
  serverAliveCountMax: number;
}

function bad(host: string, option: string, value: string, expected: string): InputError {
  return new InputError(`ssh config for "${host}": ${option} must be ${expected}, got "${value}"`, { code: 'INPUT' });
}

function flag(host: string, option: string, value: string | undefined, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw bad(host, option, value, 'yes or no');
}

function int(host: string, option: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[0-9]+$/.test(value) ? Number.parseInt(value, 10) : NaN;
  if (!(n >= min && n <= max)) throw bad(host, option, value, `a whole number from ${min} to ${max}`);
  return n;
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, IPv6 in brackets. */
export function parseHop(text: string, where: string): JumpHop {
  let s = text.startsWith('ssh://') ? text.slice(6) : text;
  const hop: JumpHop = { host: '' };
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    hop.user = s.slice(0, at);
    s = s.slice(at + 1);
  }
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (v6) {
    hop.host = v6[1]!;
    port = v6[2];
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf(':') === colon) {
      hop.host = s.slice(0, colon);
      port = s.slice(colon + 1);
    } else hop.host = s;
  }
  if (hop.host === '' || hop.user === '') throw new InputError(`${where}: bad jump host "${text}" (expected [user@]host[:port])`, { code: 'INPUT' });
  if (port !== undefined) {
    const n = /^[0-9]+$/.test(port) ? Number.parseInt(port, 10) : NaN;
    if (!(n >= 1 && n <= 65535)) throw new InputError(`${where}: bad port in jump host "${text}"`, { code: 'INPUT' });
    hop.port = n;
  }
  return hop;
}

export function parseJumps(value: string | undefined, where: string): JumpHop[] {
  if (value === undefined || value.toLowerCase() === 'none') return [];
  return value.split(',').map((h) => parseHop(h.trim(), where));
}

export function sshOptions(host: string, raw: RawOptions): SshOptions {
  const one = (k: string): string | undefined => raw.get(k)?.[0];
  const hn = one('hostname');
  const hostName = (hn === undefined ? host : expandTokens(hn, { host }, 'HostName', 'h')).toLowerCase();
  const port = int(host, 'Port', one('port'), 1, 65535) ?? 22;
  const user = one('user') ?? localUser();
  const ctx = { host: hostName, original: host, port, remoteUser: user };
  const identityFilesRaw = raw.get('identityfile') ?? [];
  const known = raw.get('userknownhostsfile') ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2'];
  const shkcRaw = one('stricthostkeychecking');
  let strict: StrictHostKeyChecking = 'ask';
  if (shkcRaw !== undefined) {
    const v = shkcRaw.toLowerCase();
    if (v === 'yes' || v === 'true') strict = 'yes';
    else if (v === 'no' || v === 'false' || v === 'off') strict = 'no';
    else if (v === 'ask') strict = 'ask';
    else if (v === 'accept-new') strict = 'accept-new';
    else throw bad(host, 'StrictHostKeyChecking', shkcRaw, 'yes, no, ask or accept-new');
  }
  const ct = one('connecttimeout');
  const opts: SshOptions = {
    hostName,
    user,
    port,
    identityFilesRaw,
    identityFiles: identityFilesRaw.map((f) => expandPath(f, ctx, 'IdentityFile')),
    identitiesOnly: flag(host, 'IdentitiesOnly', one('identitiesonly'), false),
    proxyJump: parseJumps(one('proxyjump'), `ssh config for "${host}": ProxyJump`),
    userKnownHostsFiles: known.filter((f) => f.toLowerCase() !== 'none').map((f) => expandPath(f, ctx, 'UserKnownHostsFile')),
    strictHostKeyChecking: strict,
    serverAliveIntervalS: int(host, 'ServerAliveInterval', one('serveraliveinterval'), 0, 86_400) ?? 0,
    serverAliveCountMax: int(host, 'ServerAliveCountMax', one('serveralivecountmax'), 0, 1000) ?? 3,
  };
  if (ct !== undefined && ct.toLowerCase() !== 'none') opts.connectTimeoutS = int(host, 'ConnectTimeout', ct, 0, 86_400);
  return opts;
}

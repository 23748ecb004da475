/** `%` tokens and `~` in ssh_config values (ssh_config(5) TOKENS). */
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';

export interface TokenContext {
  /** %h: the remote host name (after HostName). */
  host: string;
  /** %n: the host as given. */
  original: string;
  /** %p */
  port: number;
  /** %r */
  remoteUser: string;
}

/** Expand `%x` tokens; an unknown token is an InputError naming the option. */
export function expandTokens(value: string, ctx: Partial<TokenContext>, option: string, allowed: string): string {
  return value.replace(/%(.)/g, (whole, t: string) => {
    if (t === '%') return '%';
    if (!allowed.includes(t)) throw new InputError(`ssh config ${option} ${value}: token %${t} is not supported here`, { code: 'INPUT' });
    switch (t) {
      case 'h':
        return ctx.host ?? whole;
      case 'n':
        return ctx.original ?? whole;
      case 'p':
        return ctx.port === undefined ? whole : String(ctx.port);
      case 'r':
        return ctx.remoteUser ?? whole;
      case 'd':
        return os.homedir();
      case 'u':
        return localUser();
      case 'i':
        return String(os.userInfo().uid);
      case 'l':
        return os.hostname();
      case 'L':
        return os.hostname().split('.')[0] ?? '';
      default:
        return whole;
    }
  });
}

export function expandTilde(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return p;
}

/** A file option (IdentityFile, UserKnownHostsFile): `~`, then tokens. */
export function expandPath(value: string, ctx: Partial<TokenContext>, option: string): string {
  return expandTokens(expandTilde(value), ctx, option, 'dhilLnpru');
}

export function localUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env['USER'] ?? process.env['LOGNAME'] ?? 'root';
  }
}

/**
 * Which ssh_config values apply to one host, evaluated as OpenSSH's readconf.c does:
 * options given on the command line (`-o`) first, then the files in order; the first
 * value of an option wins (IdentityFile accumulates); `Host` patterns match the host as
 * given, `Match host` the HostName found so far; a `Match final` block makes a second
 * pass with the final host name. `Match exec` is never run (it would execute config
 * text): it does not match.
 */
import type { Condition, Item } from './load.js';
import { matchPattern, matchPatternList } from './patterns.js';
import { expandTokens, localUser } from './tokens.js';

/** Option name (lower case) → its values; IdentityFile/CertificateFile hold every value in order. */
export type RawOptions = Map<string, string[]>;

const ACCUMULATE = new Set(['identityfile', 'certificatefile', 'localforward', 'remoteforward', 'dynamicforward', 'sendenv', 'setenv']);

interface Pass {
  original: string;
  final: boolean;
  wantsFinal: boolean;
  user?: string;
}

function hostForMatch(opts: RawOptions, original: string): string {
  const hn = opts.get('hostname')?.[0];
  return hn === undefined ? original : expandTokens(hn, { host: original }, 'HostName', 'h');
}

function condition(when: Condition, opts: RawOptions, pass: Pass): boolean {
  if (when.kind === 'always') return true;
  const host = pass.final ? hostForMatch(opts, pass.original) : pass.original;
  if (when.kind === 'host') {
    let active = false;
    for (const raw of when.patterns) {
      const negated = raw.startsWith('!');
      const p = negated ? raw.slice(1) : raw;
      if (matchPattern(host, p)) {
        if (negated) return false;
        active = true;
      }
    }
    return active;
  }
  for (const c of when.criteria) {
    const negated = c.name.startsWith('!');
    const name = negated ? c.name.slice(1) : c.name;
    let r: boolean;
    switch (name) {
      case 'all':
        r = true;
        break;
      case 'final':
      case 'canonical':
        if (!pass.final) pass.wantsFinal = true;
        r = pass.final;
        break;
      case 'host':
        r = matchPatternList(hostForMatch(opts, pass.original).toLowerCase(), c.values, true);
        break;
      case 'originalhost':
        r = matchPatternList(pass.original.toLowerCase(), c.values, true);
        break;
      case 'user':
        r = matchPatternList(opts.get('user')?.[0] ?? pass.user ?? localUser(), c.values);
        break;
      case 'localuser':
        r = matchPatternList(localUser(), c.values);
        break;
      default:
        // exec, localnetwork, tagged, ...: never evaluated here
        r = false;
    }
    if (negated) r = !r;
    if (!r) return false;
  }
  return true;
}

function set(opts: RawOptions, key: string, values: string[]): void {
  if (ACCUMULATE.has(key)) {
    const list = opts.get(key) ?? [];
    for (const v of values) if (!list.includes(v)) list.push(v);
    opts.set(key, list);
  } else if (!opts.has(key)) {
    opts.set(key, values);
  }
}

function walk(items: Item[], opts: RawOptions, pass: Pass): void {
  // Inside a file, options after a Host/Match line belong to that block: load.ts nests them.
  for (const it of items) {
    if (it.kind === 'option') set(opts, it.key, it.values);
    else if (it.kind === 'include') walk(it.items, opts, pass);
    else if (condition(it.when, opts, pass)) walk(it.items, opts, pass);
  }
}

/**
 * The raw options for `host` (as the operator wrote it): `first` are command-line
 * options (they win), `items` the loaded config files.
 */
export function resolveRaw(host: string, items: Item[], first: { key: string; values: string[] }[] = []): RawOptions {
  const opts: RawOptions = new Map();
  for (const o of first) set(opts, o.key.toLowerCase(), o.values);
  const pass: Pass = { original: host, final: false, wantsFinal: false };
  walk(items, opts, pass);
  if (pass.wantsFinal) walk(items, opts, { ...pass, final: true });
  return opts;
}

/** Pure parsers for dpkg-query and apt-cache output, and package specs. */
import { InputError } from '../../errors.js';

export interface PackageSpec {
  /** As written, e.g. "nginx", "nginx=1.22.1-9", "libc6:amd64". */
  spec: string;
  name: string;
  /** Wanted version; a trailing "*" matches any version with that prefix. */
  version?: string;
}

const NAME = /^[a-z0-9][a-z0-9+.-]*(?::[a-z0-9-]+)?$/;

export function parseSpec(spec: string): PackageSpec {
  const s = spec.trim();
  const eq = s.indexOf('=');
  const name = eq < 0 ? s : s.slice(0, eq);
  const version = eq < 0 ? undefined : s.slice(eq + 1);
  if (!NAME.test(name)) throw new InputError(`package: invalid package name ${JSON.stringify(spec)}`);
  if (version !== undefined && !/^[A-Za-z0-9.+~:*-]+$/.test(version)) {
    throw new InputError(`package: invalid version in ${JSON.stringify(spec)}`);
  }
  return version === undefined ? { spec: s, name } : { spec: s, name, version };
}

export interface InstalledPackage {
  name: string;
  installed: boolean;
  /** dpkg's status word: installed, config-files, half-installed, ... */
  status: string;
  version: string;
}

const INSTALLED = new Set(['installed', 'triggers-pending', 'triggers-awaited']);

/** Lines of `dpkg-query -W --showformat='${Package}\t${Status}\t${Version}\n'`. */
export function parseDpkgQuery(out: string): Map<string, InstalledPackage> {
  const map = new Map<string, InstalledPackage>();
  for (const line of out.split('\n')) {
    const [name, status, version = ''] = line.split('\t');
    if (!name || status === undefined) continue;
    const word = status.trim().split(/\s+/).pop() ?? '';
    map.set(name, { name, installed: INSTALLED.has(word), status: word, version: version.trim() });
  }
  return map;
}

/** The package's entry, by name with or without an architecture qualifier. */
export function lookupInstalled(map: Map<string, InstalledPackage>, name: string): InstalledPackage | undefined {
  return map.get(name) ?? map.get(name.split(':')[0]!);
}

export interface Policy {
  installed?: string;
  candidate?: string;
}

/** `apt-cache policy a b ...` (LC_ALL=C): Installed and Candidate per package. */
export function parseAptPolicy(out: string): Map<string, Policy> {
  const map = new Map<string, Policy>();
  let cur: Policy | undefined;
  for (const line of out.split('\n')) {
    const head = /^(\S+):$/.exec(line);
    if (head) {
      cur = {};
      map.set(head[1]!, cur);
      continue;
    }
    const kv = /^\s+(Installed|Candidate):\s*(\S+)/.exec(line);
    if (kv && cur) {
      const v = kv[2] === '(none)' ? undefined : kv[2];
      if (v !== undefined) {
        if (kv[1] === 'Installed') cur.installed = v;
        else cur.candidate = v;
      }
    }
  }
  return map;
}

export function versionMatches(have: string, want: string): boolean {
  return want.endsWith('*') ? have.startsWith(want.slice(0, -1)) : have === want;
}

/** Split a script's output into sections introduced by "@@name" lines. */
export function sections(out: string): Map<string, string> {
  const map = new Map<string, string>();
  let name = '';
  let buf: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^@@([a-z_]+)$/.exec(line);
    if (m) {
      map.set(name, buf.join('\n'));
      name = m[1]!;
      buf = [];
    } else buf.push(line);
  }
  map.set(name, buf.join('\n'));
  return map;
}

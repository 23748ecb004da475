/**
 * Pure parsers for what apt and dpkg print: `apt-get -s` (simulate) transactions, and the
 * state of an interrupted dpkg (`dpkg-query` status words, the /var/lib/dpkg/updates journal).
 */

/** One line of an apt-get -s transaction. */
export interface SimStep {
  op: 'install' | 'remove' | 'purge';
  /** As apt prints it: "hf-a", or "libc6:i386" for a foreign architecture. */
  name: string;
  /** Installed version before the transaction (absent for a new package). */
  from?: string;
  /** Version after (install only). */
  to?: string;
}

export interface Simulation {
  steps: SimStep[];
  /** "Note, selecting 'libpam0g-dev' instead of 'libpam-dev'": requested name → package apt chose. */
  selected: Map<string, string>;
  /** apt's E: lines, without the prefix. */
  errors: string[];
  /** Whether apt said that essential packages would be removed. */
  essentialRemoved: boolean;
}

const INST = /^Inst (\S+)(?: \[([^\]]*)\])? \((\S+)/;
const REMV = /^(Remv|Purg) (\S+)(?: \[([^\]]*)\])?/;
const NOTE = /^Note, selecting '([^']+)' (?:instead of|for task|for regex|for glob) '([^']+)'/;

/** `LC_ALL=C apt-get -s ...` output (stdout and stderr together). */
export function parseSimulation(out: string): Simulation {
  const sim: Simulation = { steps: [], selected: new Map(), errors: [], essentialRemoved: false };
  for (const raw of out.split('\n')) {
    const line = raw.trimEnd();
    const inst = INST.exec(line);
    if (inst) {
      sim.steps.push({ op: 'install', name: inst[1]!, ...(inst[2] !== undefined ? { from: inst[2] } : {}), to: inst[3]! });
      continue;
    }
    const rm = REMV.exec(line);
    if (rm) {
      sim.steps.push({ op: rm[1] === 'Purg' ? 'purge' : 'remove', name: rm[2]!, ...(rm[3] !== undefined && rm[3] !== '' ? { from: rm[3] } : {}) });
      continue;
    }
    const note = NOTE.exec(line);
    if (note) {
      sim.selected.set(note[2]!, note[1]!);
      continue;
    }
    if (line.startsWith('E: ')) sim.errors.push(line.slice(3).trim());
    if (/^WARNING: The following essential packages will be removed/.test(line)) sim.essentialRemoved = true;
  }
  return sim;
}

/** Drop an architecture qualifier: "libc6:amd64" → "libc6". */
export function bareName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(0, i);
}

/**
 * dpkg status words that `dpkg --configure -a` finishes: a package unpacked but not
 * configured, a configuration that failed half-way, triggers not yet run.
 */
const CONFIGURABLE = new Set(['unpacked', 'half-configured', 'triggers-awaited', 'triggers-pending']);

export interface DpkgPending {
  /** Packages `dpkg --configure -a` would finish, "name (status)". */
  configure: string[];
  /** Packages in a state only a reinstall fixes (half-installed, reinstreq). */
  broken: string[];
  /** The journal in /var/lib/dpkg/updates is not empty: dpkg was killed mid-run. */
  interrupted: boolean;
}

/**
 * Lines `${Status}\t${binary:Package}` of packages not in a settled state, and the number
 * of journal files; see pendingScript in package/script.ts.
 */
export function parsePending(statusLines: string, journal: string): DpkgPending {
  const p: DpkgPending = { configure: [], broken: [], interrupted: Number(journal.trim() || '0') > 0 };
  for (const line of statusLines.split('\n')) {
    const [status = '', name] = line.split('\t');
    if (!name) continue;
    const words = status.trim().split(/\s+/);
    const word = words[2] ?? '';
    if (words[1] === 'reinstreq' || word === 'half-installed') p.broken.push(`${name} (${word})`);
    else if (CONFIGURABLE.has(word)) p.configure.push(`${name} (${word})`);
  }
  return p;
}

export function needsConfigure(p: DpkgPending): boolean {
  return p.interrupted || p.configure.length > 0;
}

/**
 * `apt-cache showpkg NAME...`: the packages providing each name ("Reverse Provides:"),
 * for the names that are virtual packages.
 */
export function parseProviders(out: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let cur: string | undefined;
  let inProvides = false;
  for (const line of out.split('\n')) {
    const head = /^Package: (\S+)/.exec(line);
    if (head) {
      cur = head[1]!;
      inProvides = false;
      continue;
    }
    if (line.startsWith('Reverse Provides:')) {
      inProvides = true;
      continue;
    }
    if (/^[A-Z][A-Za-z ]*:/.test(line)) inProvides = false;
    else if (inProvides && cur !== undefined && line.trim() !== '') {
      const provider = line.trim().split(/\s+/)[0]!;
      const list = map.get(cur) ?? [];
      if (!list.includes(provider)) list.push(provider);
      map.set(cur, list);
    }
  }
  return map;
}

/**
 * The package module's shell: the one plan-time script (dpkg status, pending dpkg work,
 * the apt-get -s simulation of exactly the transaction apply would run, the cache age) and
 * the apply commands. Every word is quoted by util/quote; names are validated by parseSpec.
 */
import { shJoin, shQuote, type Command } from '../../util/quote.js';

/**
 * What apt is asked to do. `present` is state=present's names: those apt has a candidate
 * for go to `apt-get install --no-upgrade` (installed ones are skipped, nothing is upgraded;
 * install's resolver removes what conflicts), the others, virtual names, to
 * `apt-get satisfy` (any installed provider satisfies one; one is installed when none is).
 * The split is made on the host by apt-cache policy, the same way at plan and at apply.
 */
export type AptRequest =
  | { verb: 'present'; names: string[] }
  | { verb: 'satisfy'; deps: string[] }
  | { verb: 'install'; words: string[]; noUpgrade?: boolean }
  | { verb: 'remove' | 'purge'; names: string[] };

export interface AptOptions {
  installRecommends?: boolean;
  allowDowngrade?: boolean;
  lockTimeout: number;
}

export const FORMAT = '--showformat=${Package}\\t${Status}\\t${Version}\\n';
const C = ['env', 'LC_ALL=C', 'DEBIAN_FRONTEND=noninteractive'];


/** apt-get's words for a request, after the verb and the options. */
function requestWords(r: Exclude<AptRequest, { verb: 'present' }>): string[] {
  if (r.verb === 'satisfy') return [r.deps.join(', ')];
  if (r.verb === 'install') return [...(r.noUpgrade === true ? ['--no-upgrade'] : []), ...r.words];
  return r.names;
}

function aptOptions(r: AptRequest, o: AptOptions): string[] {
  const words = ['-o', `DPkg::Lock::Timeout=${o.lockTimeout}`];
  if (r.verb !== 'remove' && r.verb !== 'purge') {
    if (o.installRecommends !== true) words.push('--no-install-recommends');
    if (o.allowDowngrade === true) words.push('--allow-downgrades');
    words.push('-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold');
  }
  return words;
}

/** The apt-get transaction apply runs (and plan simulates with -s). */
export function aptCommand(r: Exclude<AptRequest, { verb: 'present' }>, o: AptOptions, simulate = false): string[] {
  return [...C, 'apt-get', ...(simulate ? ['-s'] : ['-y', '-q']), ...aptOptions(r, o), r.verb, ...requestWords(r)];
}

/**
 * state=present: split the names by whether apt has a candidate (a real package) or not
 * (a virtual one), then install the real ones without upgrading and satisfy the virtual
 * ones. Simulated, both run and the exit code is the worse one; applied, the second runs
 * only when the first succeeded. Names are validated words (parseSpec): safe in $real/$v.
 */
export function presentScript(names: string[], o: AptOptions, simulate: boolean): string {
  const list = names.map(shQuote).join(' ');
  const install = shJoin(aptCommand({ verb: 'install', words: [], noUpgrade: true }, o, simulate));
  const satisfy = shJoin(aptCommand({ verb: 'satisfy', deps: [] }, o, simulate)).replace(/ ''$/, '');
  return [
    // names dpkg has installed are done (install --no-upgrade would skip them): no apt run
    "todo=''",
    `for n in ${list}; do dpkg-query -W -f='\${db:Status-Abbrev}\\n' "$n" 2>/dev/null | grep -q '^ii' || todo="$todo $n"; done`,
    `real=" $(if [ -n "$todo" ]; then env LC_ALL=C apt-cache policy $todo 2>/dev/null | awk '/^[^ ].*:$/ { n = substr($0, 1, length($0) - 1) } /^  Candidate: / && $2 != "(none)" { print n }' | tr '\\n' ' '; fi) "`,
    'set --; v=',
    `for n in $todo; do case $real in *" $n "*) set -- "$@" "$n" ;; *) v="\${v:+$v, }$n" ;; esac; done`,
    'prc=0',
    `if [ $# -gt 0 ]; then ${install} "$@" || prc=$?; fi`,
    simulate
      ? // which package provides which name, for the summaries: only when satisfy installs one
        `if [ -n "$v" ]; then sout=$(${satisfy} "$v" 2>&1) || prc=$?; printf '%s\\n' "$sout"; case $sout in *Inst\\ *) echo @@provides; env LC_ALL=C apt-cache showpkg $(printf '%s' "$v" | tr -d ,) 2>/dev/null ;; esac; fi`
      : `if [ "$prc" = 0 ] && [ -n "$v" ]; then ${satisfy} "$v" || prc=$?; fi`,
    '[ "$prc" = 0 ]',
  ].join('\n');
}

/** The shell text of a request (a present request is a small script). */
export function requestShell(r: AptRequest, o: AptOptions, simulate: boolean): string {
  if (r.verb === 'present') return presentScript(r.names, o, simulate);
  if (simulate && (r.verb === 'remove' || r.verb === 'purge')) return removalSimulation(r, o);
  return shJoin(aptCommand(r, o, simulate));
}

/**
 * Removal: only names dpkg knows as (partly) installed go to apt, as apt-get remove of a
 * name it has never heard of fails (Ansible: absent is already true). Status-Abbrev's second
 * letter is the current state: n = not installed, c = config files only.
 */
function removalSimulation(r: { verb: 'remove' | 'purge'; names: string[] }, o: AptOptions): string {
  const present = r.verb === 'purge' ? '[^n]' : '[^nc]';
  return [
    'set --',
    `for n in ${r.names.map(shQuote).join(' ')}; do`,
    `  dpkg-query -W -f='\${db:Status-Abbrev}\\n' "$n" 2>/dev/null | grep -q '^.${present}' && set -- "$@" "$n"`,
    'done',
    `if [ $# -gt 0 ]; then ${shJoin(aptCommand({ ...r, names: [] }, o, true))} "$@"; fi`,
  ].join('\n');
}

/** Packages not in a settled state, and the journal size (an interrupted dpkg). */
const PENDING = [
  'echo @@pending',
  "dpkg-query -W -f='${Status}\\t${binary:Package}\\n' 2>/dev/null | grep -Ev '^[a-z]+ ok (installed|not-installed|config-files)\t' || true",
  'echo @@journal',
  "ls /var/lib/dpkg/updates 2>/dev/null | grep -c '^[0-9][0-9]*$' || true",
];

/** The output section of the k-th simulation: sim_a, sim_b (its exit code: sim_a_rc). */
export const simSection = (k: number): string => `sim_${String.fromCharCode(97 + k)}`;

export interface PlanScriptInput {
  /** Names whose dpkg status the plan reads (no versions). */
  names: string[];
  /** The transactions apply would run, in order (at most two: pinned versions, then the rest). */
  requests: AptRequest[];
  options: AptOptions;
  /** A .deb on the host: read its Package and Version fields. */
  deb?: string;
  cacheAge: boolean;
}

/** The one plan-time script; its output is split by sections() at "@@name" lines. */
export function planScript(i: PlanScriptInput): string {
  const parts: string[] = [];
  if (i.deb !== undefined) {
    const q = shQuote(i.deb);
    parts.push(`${shJoin(['dpkg-deb', '-f', i.deb, 'Package', 'Version'])} 2>&1 || echo "@@debfail"`);
    parts.push(`test -r ${q} || echo @@debmissing`);
  }
  parts.push('echo @@status');
  if (i.names.length > 0) parts.push(`${shJoin(['dpkg-query', '-W', FORMAT, ...i.names])} 2>/dev/null || true`);
  parts.push(...PENDING);
  i.requests.forEach((r, k) => {
    const sim = requestShell(r, i.options, true);
    parts.push(`echo @@${simSection(k)}`, `{ ${sim}\n} 2>&1`, 'rc=$?', `echo @@${simSection(k)}_rc`, 'echo $rc');
  });
  if (i.cacheAge) {
    parts.push(
      'echo @@cache',
      'stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0',
      'date +%s',
    );
  }
  parts.push('true');
  return parts.join('\n');
}

/**
 * `dpkg --configure -a`, waiting up to `timeout` seconds while another dpkg or apt holds
 * the lock (dpkg itself does not wait: it fails at once with "locked by another process").
 */
export function configureCommand(timeout: number): Command {
  return {
    script: [
      'n=0',
      "while ! out=$(env DEBIAN_FRONTEND=noninteractive dpkg --configure -a --force-confdef --force-confold 2>&1); do",
      '  case $out in',
      `    *'locked by another process'*) if [ "$n" -ge ${timeout} ]; then printf '%s\\n' "$out" >&2; exit 2; fi; n=$((n + 1)); sleep 1 ;;`,
      "    *) printf '%s\\n' \"$out\" >&2; exit 1 ;;",
      '  esac',
      'done',
      'printf \'%s\\n\' "$out"',
    ].join('\n'),
  };
}

export function updateCommand(o: AptOptions): string[] {
  return [...C, 'apt-get', '-q', '-o', `DPkg::Lock::Timeout=${o.lockTimeout}`, 'update'];
}

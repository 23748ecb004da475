/**
 * package: Debian packages, resolved by apt itself. The plan is ONE round trip
 * (package/script.ts): the named packages' dpkg status, dpkg's unfinished work (an
 * interrupted install), `apt-get -s` of exactly the transaction apply runs, and the cache
 * age when cache_valid_time is given. apt's simulation decides what changes
 * (package/changes.ts), so virtual packages, name=version, name:arch, .deb files,
 * conflicts and dependencies behave as apt does:
 *
 * - present: NAME=VERSION through `apt-get install` (the pinned version becomes apt's
 *   candidate; a glob pin already matched by the installed version is left alone), then
 *   the other names: real ones through `apt-get install --no-upgrade` (installed ones are
 *   skipped; apt's resolver removes what conflicts), virtual ones through `apt-get satisfy`
 *   (any installed provider satisfies it, one is installed only when none is).
 * - latest: `apt-get install NAME...` (install or upgrade to the candidate).
 * - absent: `apt-get remove|purge` of the names dpkg has installed.
 * - deb: `apt-get install /path/file.deb` (its dependencies from the apt sources).
 *
 * What apt would also do (install dependencies, remove conflicting or dependent packages)
 * is a change of its own, so check mode names it. A dpkg left half-done (killed, a failed
 * postinst) is finished first with `dpkg --configure -a`; apt and dpkg wait up to
 * lock_timeout seconds for a lock another apt holds.
 *
 * update_cache: an `apt-get update` change comes first when the cache is older than
 * cache_valid_time (always when it is not given) and there is something to install, no
 * package was named, or state=latest.
 */
import { InputError, TaskError } from '../errors.js';
import { toShell, type Command } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { bool, has, int, nonEmpty, object, oneOfValues, strOrList, type Schema } from './support/schema.js';
import { parseDpkgQuery, parseSpec, sections, type PackageSpec } from './text/dpkg.js';
import { needsConfigure, parsePending, parseProviders, parseSimulation } from './text/apt.js';
import { applyPredictions, predictedDeb } from './package/predicted.js';
import { aptCommand, configureCommand, planScript, requestShell, simSection, updateCommand, type AptOptions, type AptRequest } from './package/script.js';
import { configureChange, fallbackChanges, packageChanges, type PackageState, type Reading } from './package/changes.js';

export interface PackageArgs {
  name?: string | string[];
  state?: 'present' | 'absent' | 'latest' | 'installed' | 'removed';
  update_cache?: boolean;
  cache_valid_time?: number;
  deb?: string;
  purge?: boolean;
  install_recommends?: boolean;
  allow_downgrade?: boolean;
  lock_timeout?: number;
}

export const packageSchema: Schema = object(
  {
    name: strOrList,
    state: oneOfValues('present', 'absent', 'latest', 'installed', 'removed'),
    update_cache: bool,
    cache_valid_time: { ...int, minimum: 0 },
    deb: nonEmpty,
    purge: bool,
    install_recommends: bool,
    allow_downgrade: bool,
    lock_timeout: { ...int, minimum: 0 },
  },
  [],
  { anyOf: [has('name'), has('deb'), has('update_cache')] },
);

/** Ansible's apt default: wait a minute for another apt to finish. */
export const DEFAULT_LOCK_TIMEOUT = 60;

export function packageSpecs(args: PackageArgs): PackageSpec[] {
  const names = args.name === undefined ? [] : Array.isArray(args.name) ? args.name : args.name.split(',');
  return names.map((n) => n.trim()).filter((n) => n !== '').map(parseSpec);
}

function normState(s: PackageArgs['state']): PackageState {
  if (s === 'installed' || s === undefined) return 'present';
  if (s === 'removed') return 'absent';
  return s;
}

function aptOptions(args: PackageArgs): AptOptions {
  return {
    lockTimeout: args.lock_timeout ?? DEFAULT_LOCK_TIMEOUT,
    ...(args.install_recommends !== undefined ? { installRecommends: args.install_recommends } : {}),
    // a .deb is installed as given, like dpkg -i, even when it is older than the installed one
    ...(args.allow_downgrade === true || args.deb !== undefined ? { allowDowngrade: true } : {}),
  };
}

/** apt-get wants a path to a local .deb to contain a slash. */
const debWord = (deb: string): string => (deb.includes('/') ? deb : `./${deb}`);

/**
 * The apt transactions a task asks for, in the order apply runs them. present: the pinned
 * versions with `apt-get install name=version` (which makes that version apt's candidate),
 * then the rest with `apt-get satisfy` (which takes any installed provider of a virtual
 * name and upgrades nothing).
 */
export function aptRequests(args: PackageArgs, specs: PackageSpec[] = packageSpecs(args)): AptRequest[] {
  const state = normState(args.state);
  if (args.deb !== undefined) return [{ verb: 'install', words: [debWord(args.deb)] }];
  if (specs.length === 0) return [];
  if (state === 'absent') return [{ verb: args.purge === true ? 'purge' : 'remove', names: specs.map((s) => s.name) }];
  if (state === 'latest') return [{ verb: 'install', words: specs.map((s) => s.spec) }];
  const pinned = specs.filter((s) => s.version !== undefined).map((s) => s.spec);
  const plain = specs.filter((s) => s.version === undefined).map((s) => s.name);
  return [...(pinned.length > 0 ? [{ verb: 'install' as const, words: pinned }] : []), ...(plain.length > 0 ? [{ verb: 'present' as const, names: plain }] : [])];
}

function cacheChange(age: number | undefined): Change {
  return { action: 'run', kind: 'other', target: 'apt cache', summary: age === undefined ? 'apt-get update' : `apt-get update (cache is ${age} s old)`, data: { op: 'update' } };
}

function debFields(text: string): { name: string; version: string } {
  const field = (k: string): string => new RegExp(`^${k}: *(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return { name: field('Package'), version: field('Version') };
}

function requestText(r: AptRequest): string {
  return r.verb === 'satisfy' ? r.deps.join(', ') : r.verb === 'install' ? r.words.join(' ') : r.names.join(', ');
}

/** The transaction that holds a spec (fallback changes, which apt did not simulate). */
function txOf(requests: AptRequest[], spec: string): number {
  const k = requests.findIndex((r) => (r.verb === 'install' ? r.words.includes(spec) : r.verb === 'satisfy' ? r.deps.includes(spec) : r.names.includes(spec)));
  return k < 0 ? requests.length - 1 : k;
}

function aptFailure(what: string, out: string): TaskError {
  const sim = parseSimulation(out);
  const tail = out.trim().split('\n').filter((l) => !/^(Reading|Building|Reading state)/.test(l)).slice(-8).join('\n');
  return new TaskError(`package: apt cannot ${what}: ${sim.errors.length > 0 ? sim.errors.join('; ') : tail}`, { details: out });
}

export async function planPackage(host: Host, args: PackageArgs): Promise<Change[]> {
  const state = normState(args.state);
  const specs = packageSpecs(args);
  if (args.deb !== undefined) {
    if (state === 'absent') throw new InputError('package: deb cannot be used with state=absent (give the package name)');
    if (specs.length > 1) throw new InputError('package: with deb, name may only give the one package the .deb contains');
  } else if (specs.length === 0 && args.update_cache !== true) throw new InputError('package: name is required');
  const requests = aptRequests(args, specs);
  const withCache = args.update_cache === true && args.cache_valid_time !== undefined && args.deb === undefined;
  const names = specs.map((s) => s.name);
  if (requests.length === 0 && names.length === 0 && !withCache) return [cacheChange(undefined)]; // a bare update_cache
  const out = (await host.exec({ script: planScript({ names, requests, options: aptOptions(args), cacheAge: withCache, ...(args.deb !== undefined ? { deb: args.deb } : {}) }) })).stdout;
  const sec = sections(out);
  const installed = parseDpkgQuery(sec.get('status') ?? '');
  const pending = parsePending(sec.get('pending') ?? '', sec.get('journal') ?? '');
  const changes: Change[] = [];
  if (needsConfigure(pending)) changes.push(configureChange(pending));

  let deb: Reading['deb'];
  if (args.deb !== undefined) {
    if (sec.has('debfail') || sec.has('debmissing')) {
      if (host.checkMode && (await host.stat(args.deb)) !== null) return [...changes, ...predictedDeb(host, args.deb, specs[0]?.name, installed)];
      throw new TaskError(`package: cannot read package ${args.deb}: ${(sec.get('') ?? '').trim()}`);
    }
    const f = debFields(sec.get('') ?? '');
    if (specs[0] !== undefined && specs[0].name.split(':')[0] !== f.name) throw new TaskError(`package: ${args.deb} contains package ${f.name}, not ${specs[0].name}`);
    deb = { path: debWord(args.deb), name: f.name };
  }

  let stale = true;
  let age: number | undefined;
  if (withCache) {
    const [mtime = '0', now = '0'] = (sec.get('cache') ?? '').trim().split('\n');
    age = Math.max(0, Number(now) - Number(mtime));
    stale = age > (args.cache_valid_time ?? 0);
  }
  const updating = args.update_cache === true && args.deb === undefined && stale;
  const reading: Reading = { state, specs, installed, pending, sims: [], providers: parseProviders(sec.get('provides') ?? ''), ...(deb ? { deb } : {}) };
  let simulated = true;
  requests.forEach((request, k) => {
    const simOut = sec.get(simSection(k)) ?? '';
    const rc = Number((sec.get(`${simSection(k)}_rc`) ?? '0').trim());
    const sim = parseSimulation(simOut);
    if (rc !== 0 && !updating) throw aptFailure(`${request.verb === 'present' ? 'install' : request.verb} ${requestText(request)}`, simOut);
    if (sim.essentialRemoved) throw new TaskError(`package: apt would remove essential packages: ${sim.steps.filter((s) => s.op !== 'install').map((s) => s.name).join(', ')}`, { details: simOut });
    if (rc !== 0) simulated = false;
    reading.sims.push(sim);
  });
  if (simulated) changes.push(...packageChanges(reading));
  else changes.push(...fallbackChanges(reading).map((c) => ({ ...c, data: { ...c.data, tx: txOf(requests, String(c.data?.spec ?? c.target)) } })));

  const final = host.checkMode ? applyPredictions(host, state, specs, changes) : changes;
  if (args.update_cache === true && args.deb === undefined && stale) {
    const installs = final.some((c) => c.kind === 'package' && c.action !== 'delete');
    if (installs || specs.length === 0 || state === 'latest') final.splice(needsConfigure(pending) ? 1 : 0, 0, cacheChange(age));
  }
  return final;
}

const TX_OPS = new Set(['install', 'deb', 'remove', 'purge']);

/**
 * The commands that do the planned changes, in order: dpkg recovery, update, then each
 * apt transaction that has a change. A removal names only the requested packages the plan
 * found installed; pinned versions only those that change.
 */
export function packageCommands(changes: readonly Change[], args: PackageArgs): Command[] {
  const opts = aptOptions(args);
  const cmds: Command[] = [];
  if (changes.some((c) => c.data?.op === 'configure')) cmds.push(configureCommand(opts.lockTimeout));
  if (changes.some((c) => c.data?.op === 'update')) cmds.push(updateCommand(opts));
  aptRequests(args).forEach((request, k) => {
    const mine = changes.filter((c) => TX_OPS.has(String(c.data?.op)) && (c.data?.tx ?? 0) === k);
    if (mine.length === 0) return;
    const asked = new Set(mine.filter((c) => c.data?.requested === true).map((c) => c.target.split(':')[0]));
    if (request.verb === 'remove' || request.verb === 'purge') cmds.push(aptCommand({ ...request, names: mine.filter((c) => c.data?.requested === true).map((c) => c.target) }, opts));
    else if (request.verb === 'install' && args.deb === undefined && normState(args.state) === 'present') {
      const words = request.words.filter((w) => asked.has(w.split('=')[0]!.split(':')[0]));
      cmds.push(aptCommand({ verb: 'install', words: words.length > 0 ? words : request.words }, opts));
    } else cmds.push(request.verb === 'present' ? { script: requestShell(request, opts, false) } : aptCommand(request, opts));
  });
  return cmds;
}

export const packageModule: Module<PackageArgs> = {
  name: 'package',
  args: packageSchema,
  checkMode: 'full',
  plan: (host, args) => planPackage(host, args),
  async apply(host, changes, args): Promise<ApplyResult> {
    const cmds = packageCommands(changes, args);
    if (cmds.length === 0) return { msg: 'nothing to do' };
    const r = await host.exec({ script: cmds.map((c) => `{ ${toShell(c)}\n}`).join(' &&\n') });
    if (r.code !== 0) {
      const tail = r.stderr.trim().split('\n').slice(-8).join('\n');
      throw new TaskError(`package: ${changes.map((c) => c.summary).join(', ')} failed (exit ${r.code}): ${tail}`, { details: r.stderr });
    }
    return { msg: changes.map((c) => c.summary).join(', '), stdout: r.stdout, stderr: r.stderr };
  },
};

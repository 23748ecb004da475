/**
 * package: Debian packages with apt/dpkg. Plan is ONE round trip: dpkg-query for the
 * installed state (plus `apt-cache policy` for state=latest and the cache age when
 * cache_valid_time is given). One change per package (kind 'package', target = name):
 * create = install, update = upgrade / change version, delete = remove.
 *
 * update_cache: an `apt-get update` change (action 'run') comes first when the cache is
 * older than cache_valid_time (always when cache_valid_time is not given) and there is
 * something to install, no package was named, or state=latest. So a task whose packages
 * are in place is a no-op even with update_cache; give cache_valid_time to make
 * state=latest idempotent.
 * deb: install a .deb that is already on the host (dpkg -i) unless that version is installed.
 */
import { posix } from 'node:path';
import { InputError, TaskError } from '../errors.js';
import { andThen, shJoin, type Command } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { bool, has, int, nonEmpty, object, oneOfValues, strOrList, type Schema } from './support/schema.js';
import {
  lookupInstalled,
  parseAptPolicy,
  parseDpkgQuery,
  parseSpec,
  sections,
  versionMatches,
  type InstalledPackage,
  type PackageSpec,
} from './text/dpkg.js';
import { predictedResource } from './support/predicted.js';

export interface PackageArgs {
  name?: string | string[];
  state?: 'present' | 'absent' | 'latest' | 'installed' | 'removed';
  update_cache?: boolean;
  cache_valid_time?: number;
  deb?: string;
  purge?: boolean;
  install_recommends?: boolean;
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
  },
  [],
  { anyOf: [has('name'), has('deb'), has('update_cache')] },
);

const FORMAT = '--showformat=${Package}\\t${Status}\\t${Version}\\n';

export function packageSpecs(args: PackageArgs): PackageSpec[] {
  const names = args.name === undefined ? [] : Array.isArray(args.name) ? args.name : args.name.split(',');
  return names.map((n) => n.trim()).filter((n) => n !== '').map(parseSpec);
}

function normState(s: PackageArgs['state']): 'present' | 'absent' | 'latest' {
  if (s === 'installed' || s === undefined) return 'present';
  if (s === 'removed') return 'absent';
  return s;
}

/** The one plan-time script. */
export function queryScript(names: string[], opts: { policy: boolean; cacheAge: boolean }): string {
  const parts: string[] = [];
  if (names.length > 0) parts.push(`${shJoin(['dpkg-query', '-W', FORMAT, ...names])} 2>/dev/null`);
  if (opts.policy && names.length > 0) parts.push(`echo @@policy`, `${shJoin(['env', 'LC_ALL=C', 'apt-cache', 'policy', ...names])} 2>/dev/null`);
  if (opts.cacheAge) {
    parts.push(
      'echo @@cache',
      'stat -c %Y /var/lib/apt/periodic/update-success-stamp 2>/dev/null || stat -c %Y /var/lib/apt/lists 2>/dev/null || echo 0',
      'date +%s',
    );
  }
  parts.push('true');
  return parts.join('\n');
}

function cacheChange(age: number | undefined): Change {
  return {
    action: 'run',
    kind: 'other',
    target: 'apt cache',
    summary: age === undefined ? 'apt-get update' : `apt-get update (cache is ${age} s old)`,
    data: { op: 'update' },
  };
}

async function planDeb(host: Host, deb: string, nameHint: string | undefined): Promise<Change[]> {
  const q = shJoin([deb]);
  const script = [
    `p=$(dpkg-deb -f ${q} Package) || exit 3`,
    `v=$(dpkg-deb -f ${q} Version) || exit 3`,
    `printf '%s\\t%s\\n' "$p" "$v"`,
    'echo @@installed',
    `${shJoin(['dpkg-query', '-W', FORMAT])} "$p" 2>/dev/null`,
    'true',
  ].join('\n');
  const r = await host.exec({ script });
  if (r.code === 3) {
    if (host.checkMode && (await host.stat(deb)) !== null) return planPredictedDeb(host, deb, nameHint);
    throw new TaskError(`cannot read package ${deb}: ${r.stderr.trim()}`);
  }
  const sec = sections(r.stdout);
  const [name = '', version = ''] = (sec.get('')?.trim() ?? '').split('\t');
  if (nameHint !== undefined && nameHint.split(':')[0] !== name) {
    throw new TaskError(`${deb} contains package ${name}, not ${nameHint}`);
  }
  const have = predictedPackage(host, { spec: name, name }, lookupInstalled(parseDpkgQuery(sec.get('installed') ?? ''), name));
  if (have?.installed && have.version === version) return [];
  return [
    {
      action: have?.installed ? 'update' : 'create',
      kind: 'package',
      target: name,
      summary: have?.installed ? `install ${name} ${have.version} → ${version} from ${deb}` : `install ${name} ${version} from ${deb}`,
      data: { op: 'deb', deb, version },
    },
  ];
}

/** Check mode: what earlier tasks of the run would have installed or removed wins. */
function predictedPackage(host: Host, s: PackageSpec, real: InstalledPackage | undefined): InstalledPackage | undefined {
  const p = predictedResource(host, 'package', s.name);
  if (p === 'present') return { name: s.name, installed: true, status: 'installed', version: s.version ?? real?.version ?? '' };
  if (p === 'absent') return { name: s.name, installed: false, status: 'not-installed', version: '' };
  return real;
}

/**
 * Check mode, and the .deb is not on the host yet (an earlier task copies it): the
 * package name (from `name`) decides; without it the change names the file.
 */
async function planPredictedDeb(host: Host, deb: string, name: string | undefined): Promise<Change[]> {
  const change: Change = { action: 'create', kind: 'package', target: name ?? posix.basename(deb), summary: `install ${name ?? deb} from ${deb}`, data: { op: 'deb', deb } };
  if (name === undefined) return [change];
  const r = await host.exec({ script: `${shJoin(['dpkg-query', '-W', FORMAT, name])} 2>/dev/null; true` });
  const have = predictedPackage(host, { spec: name, name }, lookupInstalled(parseDpkgQuery(r.stdout), name));
  // Installed already: which version the .deb holds cannot be known before it is there.
  return have?.installed ? [] : [change];
}

export async function planPackage(host: Host, args: PackageArgs): Promise<Change[]> {
  const state = normState(args.state);
  const changes: Change[] = [];
  if (args.deb !== undefined) {
    if (state === 'absent') throw new InputError('package: deb cannot be used with state=absent (give the package name)');
    const names = packageSpecs(args);
    if (names.length > 1) throw new InputError('package: with deb, name may only give the one package the .deb contains');
    // dpkg -i does not use the apt cache: update_cache is ignored with deb.
    return planDeb(host, args.deb, names[0]?.name);
  }
  const specs = packageSpecs(args);
  const withCache = args.update_cache === true && args.cache_valid_time !== undefined;
  if (specs.length === 0 && args.update_cache !== true) throw new InputError('package: name is required');
  const needQuery = specs.length > 0 || withCache;
  const out = needQuery
    ? (await host.exec({ script: queryScript(specs.map((s) => s.name), { policy: state === 'latest', cacheAge: withCache }) })).stdout
    : '';
  const sec = sections(out);
  const installed = parseDpkgQuery(sec.get('') ?? '');
  const policy = parseAptPolicy(sec.get('policy') ?? '');
  for (const s of specs) {
    const have = predictedPackage(host, s, lookupInstalled(installed, s.name));
    const isIn = have?.installed === true;
    if (state === 'absent') {
      if (isIn || (args.purge && have?.status === 'config-files')) {
        changes.push({ action: 'delete', kind: 'package', target: s.name, summary: `${args.purge ? 'purge' : 'remove'} ${s.name} ${have?.version ?? ''}`.trim(), data: { op: args.purge ? 'purge' : 'remove' } });
      }
      continue;
    }
    if (!isIn) {
      changes.push({ action: 'create', kind: 'package', target: s.name, summary: `install ${s.spec}`, data: { op: 'install', spec: s.spec } });
    } else if (s.version !== undefined && !versionMatches(have.version, s.version)) {
      changes.push({ action: 'update', kind: 'package', target: s.name, summary: `${s.name}: ${have.version} → ${s.version}`, data: { op: 'install', spec: s.spec, from: have.version } });
    } else if (state === 'latest' && s.version === undefined) {
      const cand = (policy.get(s.name) ?? policy.get(s.name.split(':')[0]!))?.candidate;
      if (cand !== undefined && cand !== have.version) {
        changes.push({ action: 'update', kind: 'package', target: s.name, summary: `upgrade ${s.name}: ${have.version} → ${cand}`, data: { op: 'install', spec: s.name, from: have.version, to: cand } });
      }
    }
  }
  if (args.update_cache === true) {
    let age: number | undefined;
    let stale = true;
    if (withCache) {
      const [mtime = '0', now = '0'] = (sec.get('cache') ?? '').trim().split('\n');
      age = Math.max(0, Number(now) - Number(mtime));
      stale = age > (args.cache_valid_time ?? 0);
    }
    const installs = changes.some((c) => c.action !== 'delete' && c.data?.op === 'install');
    if (stale && (installs || specs.length === 0 || state === 'latest')) changes.unshift(cacheChange(age));
  }
  return changes;
}

const ENV = ['env', 'DEBIAN_FRONTEND=noninteractive'];

/** The commands that do the planned changes, in order (update, remove, install, dpkg -i). */
export function packageCommands(changes: readonly Change[], args: PackageArgs): Command[] {
  const cmds: Command[] = [];
  if (changes.some((c) => c.data?.op === 'update')) cmds.push([...ENV, 'apt-get', 'update']);
  const remove = changes.filter((c) => c.data?.op === 'remove').map((c) => c.target);
  const purge = changes.filter((c) => c.data?.op === 'purge').map((c) => c.target);
  if (remove.length > 0) cmds.push([...ENV, 'apt-get', 'remove', '-y', ...remove]);
  if (purge.length > 0) cmds.push([...ENV, 'apt-get', 'purge', '-y', ...purge]);
  const install = changes.filter((c) => c.data?.op === 'install').map((c) => String(c.data?.spec));
  if (install.length > 0) {
    cmds.push([
      ...ENV,
      'apt-get',
      'install',
      '-y',
      ...(args.install_recommends === true ? [] : ['--no-install-recommends']),
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
      ...install,
    ]);
  }
  for (const c of changes) if (c.data?.op === 'deb') cmds.push([...ENV, 'dpkg', '-i', String(c.data.deb)]);
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
    const r = await host.exec(andThen(...cmds));
    if (r.code !== 0) {
      const tail = r.stderr.trim().split('\n').slice(-8).join('\n');
      throw new TaskError(`package: ${changes.map((c) => c.summary).join(', ')} failed (exit ${r.code}): ${tail}`, { details: r.stderr });
    }
    return { msg: changes.map((c) => c.summary).join(', '), stdout: r.stdout, stderr: r.stderr };
  },
};

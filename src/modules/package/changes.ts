/**
 * From what the plan script read (dpkg status, pending dpkg work, apt's simulation of the
 * transaction) to the package module's changes. Pure: table-tested without a host.
 *
 * Each package apt would touch is one change (kind 'package', target = the package):
 * create = install, update = another version, delete = remove/purge. The packages asked
 * for carry `requested: true`; the others are what apt does on its own to make the request
 * hold (dependencies installed, conflicting or dependent packages removed), so that a check
 * run names everything apt would also remove.
 */
import type { Change } from '../types.js';
import { bareName, type DpkgPending, type Simulation, type SimStep } from '../text/apt.js';
import { lookupInstalled, versionMatches, type InstalledPackage, type PackageSpec } from '../text/dpkg.js';

export type PackageState = 'present' | 'absent' | 'latest';

export interface Reading {
  state: PackageState;
  specs: PackageSpec[];
  /** A .deb file: its path and the package it holds. */
  deb?: { path: string; name: string };
  installed: Map<string, InstalledPackage>;
  /** apt's simulation of each transaction, in order. */
  sims: Simulation[];
  pending: DpkgPending;
  /** Virtual names asked for → the packages that provide them. */
  providers?: Map<string, string[]>;
}

export function configureChange(p: DpkgPending): Change {
  const why = [...(p.interrupted ? ['dpkg was interrupted'] : []), ...p.configure].join(', ');
  return { action: 'run', kind: 'other', target: 'dpkg', summary: `dpkg --configure -a (${why})`, data: { op: 'configure' } };
}

/** The requested name (spec, virtual name or .deb path) a package stands for, if any. */
function requestedAs(step: SimStep, r: Reading, sim: Simulation): string | undefined {
  const names = new Set(r.specs.map((s) => s.name));
  if (names.has(step.name)) return step.name;
  if (names.has(bareName(step.name))) return bareName(step.name);
  for (const [asked, chosen] of sim.selected) if (chosen === step.name || chosen === bareName(step.name)) return asked;
  if (r.deb && bareName(step.name) === r.deb.name) return r.deb.path;
  for (const [asked, list] of r.providers ?? []) if (names.has(asked) && list.includes(bareName(step.name))) return asked;
  return undefined;
}

function stepChange(step: SimStep, r: Reading, sim: Simulation): Change {
  const asked = requestedAs(step, r, sim);
  const requested = asked !== undefined;
  const fromDeb = asked !== undefined && r.deb?.path === asked;
  const via = asked !== undefined && bareName(asked) !== bareName(step.name) ? (fromDeb ? ` from ${asked}` : ` (provides ${asked})`) : '';
  const data = { requested, ...(step.from !== undefined ? { from: step.from } : {}), ...(step.to !== undefined ? { to: step.to } : {}) };
  if (step.op === 'install') {
    const op = fromDeb ? 'deb' : 'install';
    const extra = requested ? via : ' (dependency)';
    if (step.from === undefined) {
      return { action: 'create', kind: 'package', target: step.name, summary: `install ${step.name} ${step.to ?? ''}${extra}`.replace(/ +/g, ' '), data: { op, ...data } };
    }
    return { action: 'update', kind: 'package', target: step.name, summary: `${step.name}: ${step.from} → ${step.to ?? '?'}${extra}`, data: { op, ...data } };
  }
  const verb = step.op === 'purge' ? 'purge' : 'remove';
  const extra = requested ? '' : ' (not requested: apt removes it, it conflicts with or depends on what changes)';
  return { action: 'delete', kind: 'package', target: step.name, summary: `${verb} ${step.name}${step.from ? ` ${step.from}` : ''}${extra}`, data: { op: verb, ...data } };
}

/**
 * present with a glob pin (name=1.22*): an installed version that matches is enough, even
 * when apt would pick a newer match.
 */
function globSatisfied(r: Reading, c: Change): boolean {
  if (r.state !== 'present' || c.data?.requested !== true) return false;
  const s = r.specs.find((x) => x.name === c.target || x.name === bareName(c.target));
  if (s?.version === undefined || !s.version.endsWith('*')) return false;
  const have = lookupInstalled(r.installed, s.name);
  return have?.installed === true && versionMatches(have.version, s.version);
}

/**
 * apt could not simulate (its lists are stale and an `apt-get update` comes first): the
 * requested packages that dpkg does not have, without apt's dependency detail.
 */
export function fallbackChanges(r: Reading): Change[] {
  const out: Change[] = [];
  for (const s of r.specs) {
    const have = lookupInstalled(r.installed, s.name);
    const ok = r.state === 'absent' ? !have?.installed : have?.installed && (s.version === undefined || versionMatches(have.version, s.version));
    if (ok) continue;
    if (r.state === 'absent') out.push({ action: 'delete', kind: 'package', target: s.name, summary: `remove ${s.name}`, data: { op: 'remove', requested: true } });
    else out.push({ action: have?.installed ? 'update' : 'create', kind: 'package', target: s.name, summary: `install ${s.spec} (resolved by apt after the cache update)`, data: { op: 'install', spec: s.spec, requested: true } });
  }
  return out;
}

/**
 * One change per package, from the transactions in order (a package two transactions
 * touch is the first one's change). `tx` is the transaction's index: apply runs those
 * transactions that have a change.
 */
export function packageChanges(r: Reading): Change[] {
  const out: Change[] = [];
  r.sims.forEach((sim, tx) => {
    for (const step of sim.steps) {
      if (out.some((c) => c.target === step.name)) continue;
      const c = stepChange(step, r, sim);
      out.push({ ...c, data: { ...c.data, tx } });
    }
  });
  return out.filter((c) => !globSatisfied(r, c));
}

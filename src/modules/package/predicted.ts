/**
 * Check mode: apt simulated against the real host, but earlier tasks of the run would
 * have installed or removed packages (Host.predicted). These adjust the plan to that view.
 */
import { posix } from 'node:path';
import type { Change, Host } from '../types.js';
import { predictedResource } from '../support/predicted.js';
import { lookupInstalled, type InstalledPackage, type PackageSpec } from '../text/dpkg.js';
import type { PackageState } from './changes.js';

/** Check mode: what earlier tasks of the run would have installed or removed wins. */
function predictedPackage(host: Host, name: string, real: InstalledPackage | undefined): InstalledPackage | undefined {
  const p = predictedResource(host, 'package', name);
  if (p === 'present') return { name, installed: true, status: 'installed', version: real?.version ?? '' };
  if (p === 'absent') return { name, installed: false, status: 'not-installed', version: '' };
  return real;
}

/**
 * Check mode: packages earlier tasks of the run would have installed or removed. apt
 * simulated against the real host, so a package an earlier task installs (a dependency
 * too) or removes is dropped from what apt would do; a requested package an earlier task
 * removes (or installs, for absent) is planned again.
 */
export function applyPredictions(host: Host, state: PackageState, specs: PackageSpec[], changes: Change[]): Change[] {
  const bare = (n: string): string => n.split(':')[0]!;
  const predicted = (n: string): ReturnType<typeof predictedResource> => predictedResource(host, 'package', n) ?? predictedResource(host, 'package', bare(n));
  const out = changes.filter((c) => {
    if (c.kind !== 'package') return true;
    const p = predicted(c.target);
    return !(c.action === 'delete' ? p === 'absent' : p === 'present');
  });
  for (const s of specs) {
    const p = predicted(s.name);
    if (p === undefined || out.some((c) => c.kind === 'package' && bare(c.target) === bare(s.name))) continue;
    if (state === 'absent' && p === 'present') out.push({ action: 'delete', kind: 'package', target: s.name, summary: `remove ${s.name}`, data: { op: 'remove', requested: true } });
    if (state !== 'absent' && p === 'absent') out.push({ action: 'create', kind: 'package', target: s.name, summary: `install ${s.spec}`, data: { op: 'install', spec: s.spec, requested: true } });
  }
  return out;
}

/**
 * Check mode, and the .deb is not on the host yet (an earlier task copies it): the
 * package name (from `name`) decides; without it the change names the file.
 */
export function predictedDeb(host: Host, deb: string, name: string | undefined, installed: Map<string, InstalledPackage>): Change[] {
  const change: Change = { action: 'create', kind: 'package', target: name ?? posix.basename(deb), summary: `install ${name ?? deb} from ${deb}`, data: { op: 'deb', requested: true } };
  if (name === undefined) return [change];
  // Installed already: which version the .deb holds cannot be known before it is there.
  return predictedPackage(host, name, lookupInstalled(installed, name))?.installed ? [] : [change];
}


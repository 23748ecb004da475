/**
 * Which CA a host's certificate tasks use: the variable `hostforge_pki_dir` (any layer:
 * group_vars of one cluster's inventory, host vars, play vars, -e), else the run's default
 * (--pki-dir, else $HOSTFORGE_PKI_DIR, else ./pki). One bastion then serves several
 * clusters, each with its own CA, with the same roles.
 */
import { homedir } from 'node:os';
import { InputError } from '../errors.js';
import type { InventoryView, RunVars } from './context.js';
import { buildScope, type HostRunState } from './context.js';

export const PKI_DIR_VAR = 'hostforge_pki_dir';

/** The host's CA directory from its (rendered) variables; undefined: the run's default. */
export function pkiDirOf(vars: Record<string, unknown>): string | undefined {
  if (!(PKI_DIR_VAR in vars)) return undefined;
  const v = vars[PKI_DIR_VAR];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new InputError(`${PKI_DIR_VAR} must be a directory path (a string), not ${JSON.stringify(v)}`);
  return v === '~' ? homedir() : v.startsWith('~/') ? `${homedir()}${v.slice(1)}` : v;
}

/**
 * Every CA directory the given hosts use, as the inventory and -e say (before any play
 * or task vars): the run opens each before contacting a host. `null` stands for the default.
 */
export function pkiDirsOf(hosts: readonly string[], inv: InventoryView, run: RunVars): Map<string | null, string[]> {
  const states = new Map<string, HostRunState>();
  const out = new Map<string | null, string[]>();
  for (const host of hosts) {
    const scope = buildScope({ inv, run, host, states, playVars: {}, playHosts: [] });
    const dir = pkiDirOf(scope.context) ?? null;
    out.set(dir, [...(out.get(dir) ?? []), host]);
  }
  return out;
}

/**
 * Which CA a host's certificate tasks use: the variable `hostforge_pki_dir` (any layer:
 * group_vars of one cluster's inventory, host vars, play vars, -e), else the run's default
 * (--pki-dir, else $HOSTFORGE_PKI_DIR, else ./pki). One bastion then serves several
 * clusters, each with its own CA, with the same roles.
 */
import { homedir } from 'node:os';
import { InputError } from '../errors.js';
import { caExpiryWarning, warnDays } from '../pki/expiry.js';
import type { PkiService } from '../pki/types.js';
import type { InventoryView, RunVars } from './context.js';
import { buildScope, type HostRunState } from './context.js';

export const PKI_DIR_VAR = 'hostforge_pki_dir';
/** Warn when the CA or a certificate expires within this many days (default 30; 0: never). */
export const PKI_WARN_VAR = 'hostforge_pki_warn_days';

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
 * or task vars), with the hosts and the widest warning window any of them asks for. `null`: the default.
 */
export function pkiDirsOf(hosts: readonly string[], inv: InventoryView, run: RunVars): Map<string | null, { hosts: string[]; warnDays: number }> {
  const states = new Map<string, HostRunState>();
  const out = new Map<string | null, { hosts: string[]; warnDays: number }>();
  for (const host of hosts) {
    const scope = buildScope({ inv, run, host, states, playVars: {}, playHosts: [] });
    const dir = pkiDirOf(scope.context) ?? null;
    const days = warnDays(PKI_WARN_VAR in scope.context ? scope.context[PKI_WARN_VAR] : undefined, PKI_WARN_VAR);
    const seen = out.get(dir);
    out.set(dir, { hosts: [...(seen?.hosts ?? []), host], warnDays: Math.max(seen?.warnDays ?? days, days) });
  }
  return out;
}

/**
 * Open, before any host is contacted, the CA of every host that runs a certificate task
 * (bad input when one cannot be opened); returns the expiry warnings of those CAs.
 */
export async function openRunCas(hosts: readonly string[], inv: InventoryView, run: RunVars, pki: (dir?: string) => Promise<PkiService>, now = Date.now()): Promise<string[]> {
  const warnings: string[] = [];
  for (const [dir, group] of pkiDirsOf([...new Set(hosts)], inv, run)) {
    let ca: PkiService;
    try {
      ca = await pki(dir ?? undefined);
    } catch (err) {
      const h = group.hosts;
      const whose = dir === null ? '' : ` (${PKI_DIR_VAR} ${dir} of ${h.slice(0, 3).join(', ')}${h.length > 3 ? ', ...' : ''})`;
      throw new InputError(`this playbook issues certificates, but the CA${whose} cannot be opened: ${(err as Error).message}`, { code: 'USAGE', cause: err });
    }
    const v = ca.caValidity();
    const warning = group.warnDays > 0 ? caExpiryWarning(v, v.dir, group.warnDays, now) : null;
    if (warning) warnings.push(warning);
  }
  return warnings;
}

/**
 * "reboot required": per host, what this run changed that takes effect only at the next boot
 * (a module's rebootNeeded: the kernel command line, an fstab entry not remounted) and no
 * `reboot` task ran after; plus Debian's own flag, /var/run/reboot-required (apt's packages
 * write it; /var/run is a tmpfs, so a reboot clears it), read at the end of the run on every
 * host still connected, with the packages of /var/run/reboot-required.pkgs.
 *
 * In check mode the same is predicted: planned changes count as made, a planned reboot as
 * done (so a host that the run would reboot is not asked for its flag file).
 */
import type { AnyModule, Change } from '../modules/types.js';
import type { HostRunState } from './context.js';

export const DEBIAN_FLAG = '/var/run/reboot-required';

/** Record the effect of a task's changes (applied, or planned in check mode) on its host. */
export function noteRebootEffects(state: HostRunState, mod: AnyModule, changes: Change[], args: unknown): void {
  if (changes.length === 0) return;
  if (mod.reboots === true) {
    state.reboot = { reasons: [], rebooted: true };
    return;
  }
  const why = mod.rebootNeeded?.(changes, args as never);
  if (why === undefined) return;
  state.reboot ??= { reasons: [], rebooted: false };
  if (!state.reboot.reasons.includes(why)) state.reboot.reasons.push(why);
}

/** The one-round-trip probe of Debian's flag: "REQUIRED" then the packages that asked for it. */
export const FLAG_PROBE = `if [ -e ${DEBIAN_FLAG} ]; then echo REQUIRED; cat ${DEBIAN_FLAG}.pkgs 2>/dev/null; fi`;

/** The reason a probe's output gives, or undefined when the flag is not set. */
export function flagReason(stdout: string): string | undefined {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== 'REQUIRED') return undefined;
  const pkgs = [...new Set(lines.slice(1))];
  return pkgs.length > 0 ? `${DEBIAN_FLAG} (${pkgs.join(', ')})` : DEBIAN_FLAG;
}

export interface FlagReader {
  /** Hosts with a live connection and the probe's stdout on each (errors: no answer). */
  probe(hosts: readonly string[], script: string): Promise<Map<string, string>>;
}

/** Every host's reasons at the end of the run (hosts without one are left out). */
export async function rebootRequired(states: ReadonlyMap<string, HostRunState>, reader: FlagReader, check: boolean): Promise<Record<string, string[]>> {
  const ask = [...states.values()].filter((s) => !s.unreachable && !(check && s.reboot?.rebooted === true)).map((s) => s.name);
  const answers = await reader.probe(ask, FLAG_PROBE);
  const out: Record<string, string[]> = {};
  for (const s of states.values()) {
    const reasons = [...(s.reboot?.reasons ?? [])];
    const flag = flagReason(answers.get(s.name) ?? '');
    if (flag !== undefined) reasons.push(flag);
    if (reasons.length > 0) out[s.name] = reasons;
  }
  return out;
}

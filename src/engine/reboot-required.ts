/**
 * "reboot required": per host, what takes effect only at the next boot and no `reboot` task
 * ran after: a module's rebootNeeded (the kernel command line, an fstab entry not remounted),
 * and Debian's own flag, /var/run/reboot-required (apt's packages write it, with the packages
 * in /var/run/reboot-required.pkgs; /var/run is a tmpfs, so a boot clears it).
 *
 * The flag is kept the Debian way, so a later run (or unattended-upgrades, or the motd) knows
 * too: at the end of a real run, a host with reasons of its own gets /var/run/reboot-required
 * (if it has none) and the reasons in /var/run/reboot-required.hostforge, one a line. Every
 * host still connected is then read, in the same round trip. In check mode nothing is written:
 * planned changes count as made, a planned reboot as done (such a host is not asked).
 */
import type { AnyModule, Change } from '../modules/types.js';
import { shQuote } from '../util/quote.js';
import type { HostRunState } from './context.js';

export const DEBIAN_FLAG = '/var/run/reboot-required';
export const OUR_REASONS = `${DEBIAN_FLAG}.hostforge`;

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

/**
 * One script: with `record`, the reasons on stdin are added to the flag files (each once);
 * then what the flag files say: "REQUIRED", "PKG name" lines, "WHY reason" lines.
 */
export function flagScript(record: boolean, flag = DEBIAN_FLAG): string {
  const F = shQuote(flag);
  const OURS = shQuote(`${flag}.hostforge`);
  const write = record
    ? [
        `[ -e ${F} ] || printf '%s\\n' '*** System restart required ***' > ${F}`,
        `while IFS= read -r why; do [ -n "$why" ] || continue; grep -qxF -- "$why" ${OURS} 2>/dev/null || printf '%s\\n' "$why" >> ${OURS}; done`,
      ]
    : [];
  return [
    ...write,
    `if [ -e ${F} ]; then echo REQUIRED; sed 's/^/PKG /' ${shQuote(`${flag}.pkgs`)} 2>/dev/null; sed 's/^/WHY /' ${OURS} 2>/dev/null; fi`,
    'exit 0',
  ].join('\n');
}

/** The reasons the flag files give (ours first, then Debian's packages), or [] when there is no flag. */
export function flagReasons(stdout: string): string[] {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== 'REQUIRED') return [];
  const pick = (tag: string): string[] => [...new Set(lines.filter((l) => l.startsWith(`${tag} `)).map((l) => l.slice(tag.length + 1).trim()).filter(Boolean))];
  const whys = pick('WHY');
  const pkgs = pick('PKG');
  if (pkgs.length > 0) return [...whys, `${DEBIAN_FLAG} (${pkgs.join(', ')})`];
  return whys.length > 0 ? whys : [DEBIAN_FLAG];
}

export interface FlagRequest {
  host: string;
  script: string;
  stdin?: string;
}

export interface FlagReader {
  /** Each request's stdout, on the hosts with a live connection (no answer: left out). */
  probe(requests: readonly FlagRequest[]): Promise<Map<string, string>>;
}

/** Every host's reasons at the end of the run (hosts without one are left out). */
export async function rebootRequired(states: ReadonlyMap<string, HostRunState>, reader: FlagReader, check: boolean): Promise<Record<string, string[]>> {
  const requests: FlagRequest[] = [];
  for (const s of states.values()) {
    if (s.unreachable || (check && s.reboot?.rebooted === true)) continue;
    const own = s.reboot?.reasons ?? [];
    const record = !check && own.length > 0;
    requests.push({ host: s.name, script: flagScript(record), ...(record ? { stdin: `${own.join('\n')}\n` } : {}) });
  }
  const answers = await reader.probe(requests);
  const out: Record<string, string[]> = {};
  for (const s of states.values()) {
    const reasons = [...new Set([...(s.reboot?.reasons ?? []), ...flagReasons(answers.get(s.name) ?? '')])];
    if (reasons.length > 0) out[s.name] = reasons;
  }
  return out;
}

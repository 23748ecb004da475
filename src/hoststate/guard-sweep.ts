/**
 * The start of every run on a host: report the lockout guards that rolled back by themselves
 * since the last run (the bastion was killed, the link was cut, the login was confirmed too
 * late, the host rebooted), then archive them. A guard left armed without a timer is rolled back
 * here (a reboot on a host without cron). Check mode reports and changes nothing.
 */
import { errorMessage } from '../errors.js';
import type { Host } from '../modules/types.js';
import { DEFAULT_STATE_DIR, parseSweep, sweepScript, type SweptGuard } from './guard-script.js';

export function sweptMessage(g: SweptGuard): string {
  if (g.state === 'stale') {
    return `lockout guard for "${g.task}" is still armed but its timer is gone (a reboot?); the next real run rolls it back`;
  }
  const why = g.reason === 'timer' ? 'no new login was confirmed in time' : g.reason === 'reboot' ? 'restored at boot' : g.reason;
  const archived = `${g.dir.replace(/\/[^/]*$/, '')}/archive/${g.dir.replace(/^.*\//, '')}`;
  const failed = g.restoreExit !== '' && g.restoreExit !== '0' ? `; restoring failed (exit ${g.restoreExit}): see ${archived}/restore.log` : '';
  return `rolled back on the host at ${g.restoredAt || 'an unknown time'} (guard for ${g.task}${why ? `: ${why}` : ''})${failed}`;
}

export async function sweepGuards(host: Host, opts: { check: boolean; warn: (msg: string) => void }): Promise<SweptGuard[]> {
  const v = host.vars.hostforge_state_dir;
  const dir = typeof v === 'string' && v.startsWith('/') ? v.replace(/\/+$/, '') : DEFAULT_STATE_DIR;
  try {
    const r = await host.exec({ script: sweepScript(dir, !opts.check) });
    const found = parseSweep(r.stdout);
    for (const g of found) opts.warn(sweptMessage(g));
    return found;
  } catch (err) {
    opts.warn(`could not look for fired lockout guards in ${dir}: ${errorMessage(err)}`);
    return [];
  }
}

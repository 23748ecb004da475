/**
 * timezone (community.general.timezone): the system time zone, as Debian keeps it:
 * /etc/localtime a symlink to /usr/share/zoneinfo/NAME and, on the Debian family (or
 * wherever the file exists), /etc/timezone holding "NAME\n". timedatectl does the same
 * on systemd hosts, so one strategy serves both. A zone the host has no zoneinfo file
 * for is an error before anything changes. `hwclock` is not supported (not accepted).
 */
import { TaskError } from '../errors.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import { wantedAttrs } from './support/attrs.js';
import { planContent } from './support/content.js';
import { object, type Schema } from './support/schema.js';

export interface TimezoneArgs {
  name: string;
}

export const ZONEINFO = '/usr/share/zoneinfo';

export const timezoneSchema: Schema = object(
  { name: { type: 'string', minLength: 1, pattern: '^(?!/)(?!.*\\.\\.)[A-Za-z0-9_+./-]+$' } },
  ['name'],
);

/** The zone a /etc/localtime link points at (…/zoneinfo/Europe/Paris → Europe/Paris), or null. */
export function zoneOfLink(target: string | undefined): string | null {
  if (target === undefined) return null;
  const m = /(?:^|\/)zoneinfo\/(?:posix\/|right\/)?(.+)$/.exec(target);
  return m ? m[1]! : null;
}

async function planTimezone(host: Host, args: TimezoneArgs): Promise<Change[]> {
  const zonefile = `${ZONEINFO}/${args.name}`;
  const zst = await host.stat(zonefile);
  if (zst === null || zst.type === 'directory') throw new TaskError(`given timezone "${args.name}" is not available (no ${zonefile} on the host)`);
  const changes: Change[] = [];
  const lt = await host.stat('/etc/localtime');
  const now = lt?.type === 'link' ? zoneOfLink(lt.linkTarget) : null;
  if (lt?.type !== 'link' || lt.linkTarget !== zonefile) {
    if (lt?.type === 'directory') throw new TaskError('/etc/localtime is a directory');
    const before = lt === null ? '(none)' : lt.type === 'link' ? (now ?? lt.linkTarget ?? '?') : 'a copied zone file';
    changes.push({
      action: lt === null ? 'create' : 'update',
      kind: 'link',
      target: '/etc/localtime',
      summary: `time zone ${before} → ${args.name} (/etc/localtime → ${zonefile})`,
      before: `${before}\n`,
      after: `${args.name}\n`,
      data: { src: zonefile, ...(lt !== null && lt.type !== 'link' ? { replace: 'file' } : {}) },
    });
  }
  const tz = await host.stat('/etc/timezone');
  const debian = (await host.facts()).os.family === 'debian';
  if (tz !== null || debian) {
    const cur = tz?.type === 'file' ? await host.read('/etc/timezone') : null;
    if ((cur?.toString('utf8').trim() ?? null) !== args.name) {
      changes.push(...(await planContent(host, '/etc/timezone', Buffer.from(`${args.name}\n`), cur === null ? null : tz, cur, { wanted: wantedAttrs({}) })));
    }
  }
  return changes;
}

export const timezoneModule: Module<TimezoneArgs> = {
  name: 'timezone',
  args: timezoneSchema,
  checkMode: 'full',
  plan: planTimezone,
  async apply(host, changes, args): Promise<ApplyResult> {
    await applyFileChanges(host, changes);
    return { name: args.name, msg: `timezone set to ${args.name}` };
  },
};

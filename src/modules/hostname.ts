/**
 * hostname (ansible.builtin.hostname): the permanent name in /etc/hostname and the live
 * (kernel) name set with `hostname NAME`, each a change only when it differs (Ansible's
 * FileStrategy: the file's content compared stripped, written as "NAME\n").
 * `use` is accepted for compatibility and ignored with a warning: hostforge has one
 * strategy, the file plus the live name, which is what Debian and systemd hosts read.
 */
import { TaskError } from '../errors.js';
import type { ApplyResult, Change, Host, Module, ModuleContext } from './types.js';
import { wantedAttrs } from './support/attrs.js';
import { planContent } from './support/content.js';
import { object, oneOfValues, type Schema } from './support/schema.js';
import { applySteps } from './support/steps.js';

export interface HostnameArgs {
  name: string;
  use?: string;
}

export const HOSTNAME_FILE = '/etc/hostname';

export const hostnameSchema: Schema = object(
  {
    // RFC 1123 labels, dot-separated (an FQDN is allowed, as in Ansible).
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$' },
    use: oneOfValues('alpine', 'debian', 'freebsd', 'generic', 'macos', 'macosx', 'darwin', 'openbsd', 'openrc', 'redhat', 'sles', 'solaris', 'systemd'),
  },
  ['name'],
);

async function planHostname(host: Host, args: HostnameArgs, ctx: ModuleContext): Promise<Change[]> {
  if (args.use !== undefined) ctx.warn(`hostname: use=${args.use} is ignored; hostforge writes ${HOSTNAME_FILE} and sets the live name with hostname(1)`);
  const live = await host.exec(['hostname']);
  if (live.code !== 0) throw new TaskError(`hostname: cannot read the current hostname: ${live.stderr.trim()}`);
  const current = live.stdout.trim();
  const st = await host.stat(HOSTNAME_FILE);
  const file = st?.type === 'file' ? await host.read(HOSTNAME_FILE) : null;
  const permanent = file === null ? '' : file.toString('utf8').trim();
  const changes: Change[] = [];
  if (permanent !== args.name) {
    const c = await planContent(host, HOSTNAME_FILE, Buffer.from(`${args.name}\n`), file === null ? null : st, file, { wanted: wantedAttrs({}), note: `permanent hostname ${permanent || '(none)'} → ${args.name}` });
    changes.push(...c);
  }
  if (current !== args.name) {
    changes.push({
      action: 'update',
      kind: 'other',
      target: 'hostname',
      summary: `live hostname ${current} → ${args.name}`,
      before: `hostname = ${current}\n`,
      after: `hostname = ${args.name}\n`,
      data: { argv: ['hostname', args.name] },
    });
  }
  return changes;
}

export const hostnameModule: Module<HostnameArgs> = {
  name: 'hostname',
  args: hostnameSchema,
  checkMode: 'full',
  plan: planHostname,
  async apply(host, changes, args): Promise<ApplyResult> {
    await applySteps(host, changes);
    const short = args.name.split('.')[0] ?? args.name;
    return { name: args.name, ansible_facts: { ansible_hostname: short, ansible_nodename: args.name } };
  },
};

/**
 * group (ansible.builtin.group): a local group by name with groupadd / groupmod / groupdel.
 * One `getent group NAME` decides: missing → groupadd [-g GID [-o]] [-r]; present with
 * another gid → groupmod -g GID [-o]; state=absent and present → groupdel. `system` only
 * matters when the group is created (as in Ansible). `local: true` reads /etc/group
 * instead of NSS and uses the same shadow-utils commands (lgroupadd is not on Debian).
 */
import { TaskError } from '../errors.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { parseGroup } from '../edit/users.js';
import { bool, object, oneOfValues, when, has, type Schema } from './support/schema.js';
import { applySteps } from './support/steps.js';

export interface GroupArgs {
  name: string;
  gid?: number;
  state?: 'present' | 'absent';
  system?: boolean;
  local?: boolean;
  non_unique?: boolean;
}

export const groupSchema: Schema = object(
  {
    name: { type: 'string', minLength: 1, pattern: '^[^:\\s]+$' },
    gid: { type: 'integer', minimum: 0 },
    state: oneOfValues('present', 'absent'),
    system: bool,
    local: bool,
    non_unique: bool,
  },
  ['name'],
  { allOf: [when('non_unique', true, has('gid'))] },
);

export interface GroupInfo {
  name: string;
  gid: number;
  members: string[];
}

async function readGroup(host: Host, name: string, local: boolean): Promise<GroupInfo | null> {
  if (local) {
    const text = await host.read('/etc/group');
    if (text === null) throw new TaskError("'local: true' specified but unable to find local group file /etc/group to parse.");
    return parseGroup(text.toString('utf8')).find((g) => g.name === name) ?? null;
  }
  const r = await host.exec(['getent', 'group', name]);
  if (r.code === 2) return null;
  if (r.code !== 0) throw new TaskError(`getent group ${name} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return parseGroup(r.stdout)[0] ?? null;
}

export async function planGroup(host: Host, args: GroupArgs): Promise<Change[]> {
  const have = await readGroup(host, args.name, args.local === true);
  const unique = args.non_unique === true ? ['-o'] : [];
  if (args.state === 'absent') {
    if (have === null) return [];
    return [{ action: 'delete', kind: 'other', target: `group ${args.name}`, summary: `remove group ${args.name} (gid ${have.gid})`, data: { argv: ['groupdel', args.name] } }];
  }
  if (have === null) {
    const argv = ['groupadd', ...(args.gid !== undefined ? ['-g', String(args.gid), ...unique] : []), ...(args.system === true ? ['-r'] : []), args.name];
    const what = [args.gid !== undefined ? `gid ${args.gid}` : '', args.system === true ? 'system' : ''].filter(Boolean).join(', ');
    return [{ action: 'create', kind: 'other', target: `group ${args.name}`, summary: `create group ${args.name}${what ? ` (${what})` : ''}`, data: { argv } }];
  }
  if (args.gid !== undefined && have.gid !== args.gid) {
    return [
      {
        action: 'update',
        kind: 'other',
        target: `group ${args.name}`,
        summary: `gid of group ${args.name}: ${have.gid} → ${args.gid}`,
        before: String(have.gid),
        after: String(args.gid),
        data: { argv: ['groupmod', '-g', String(args.gid), ...unique, args.name] },
      },
    ];
  }
  return [];
}

export const groupModule: Module<GroupArgs> = {
  name: 'group',
  args: groupSchema,
  checkMode: 'full',
  plan: planGroup,
  async apply(host, changes, args): Promise<ApplyResult> {
    await applySteps(host, changes);
    const state = args.state ?? 'present';
    if (state === 'absent') return { name: args.name, state };
    const now = await readGroup(host, args.name, args.local === true);
    return { name: args.name, state, system: args.system === true, ...(now !== null ? { gid: now.gid } : {}) };
  },
};

/**
 * user: create, modify or remove a local user with useradd/usermod/userdel.
 * plan reads /etc/passwd and /etc/group (and /etc/shadow for `password`) in ONE exec; one 'user'
 * change carries the argv; a password change (data.password) sets the crypted password through chpasswd -e.
 * Changing the account the run logs in as is guarded (default): the host restores the account
 * files (passwd, shadow, group, gshadow) unless a NEW login works afterwards.
 */
import { TaskError } from '../errors.js';
import type { ApplyResult, Change, Module } from './types.js';
import { parseGroup, parsePasswd, passwordNeedsSet, planUser, shadowField, type UserArgs } from '../edit/users.js';
import { parseSections, sectionsScript } from '../edit/script.js';
import { guarded, loginUser } from './support/guard.js';
import { bool, id, nonEmpty, object, oneOfValues, strList, type Schema } from './support/schema.js';

export type { UserArgs };

export interface UserModuleArgs extends UserArgs {
  /** When this is the run's login account: prove a new login, else restore the account files (default true). */
  lockout_guard?: boolean;
}

export const userSchema: Schema = object(
  {
    name: { ...nonEmpty, pattern: '^[A-Za-z_][A-Za-z0-9_.-]*\\$?$', maxLength: 32 },
    state: oneOfValues('present', 'absent'),
    uid: { type: 'integer', minimum: 0 },
    group: id,
    groups: strList,
    append: bool,
    shell: nonEmpty,
    home: nonEmpty,
    comment: { type: 'string' },
    system: bool,
    create_home: bool,
    remove: bool,
    password: { type: 'string', pattern: '^[^:\n]*$', description: 'crypted password as in /etc/shadow (a secret: never printed)' },
    update_password: oneOfValues('always', 'on_create'),
    lockout_guard: bool,
  },
  ['name'],
);

export const userModule: Module<UserModuleArgs> = {
  name: 'user',
  args: userSchema,
  checkMode: 'full',
  async plan(host, args): Promise<Change[]> {
    const r = await host.exec({
      script: sectionsScript([
        { name: 'passwd', cmd: ['cat', '/etc/passwd'] },
        { name: 'group', cmd: ['cat', '/etc/group'] },
        ...(args.password !== undefined ? [{ name: 'shadow', cmd: ['cat', '/etc/shadow'] }] : []),
      ]),
    });
    const s = parseSections(r.stdout);
    const passwd = s.get('passwd');
    const group = s.get('group');
    if (!passwd || passwd.rc !== 0 || !group || group.rc !== 0) throw new TaskError(`user: cannot read /etc/passwd and /etc/group: ${r.stderr.trim()}`);
    const p = planUser(parsePasswd(passwd.out), parseGroup(group.out), args);
    const changes: Change[] = p ? [{ action: p.action, kind: 'user', target: args.name, summary: p.summary, data: { argv: p.argv } }] : [];
    if (args.password !== undefined) {
      const shadow = s.get('shadow');
      if (!shadow || shadow.rc !== 0) throw new TaskError(`user: cannot read /etc/shadow (become root?): ${r.stderr.trim()}`);
      const exists = parsePasswd(passwd.out).some((e) => e.name === args.name);
      if (passwordNeedsSet(args, exists ? (shadowField(shadow.out, args.name) ?? '') : undefined)) {
        changes.push({ action: 'update', kind: 'user', target: args.name, summary: `set the password of ${args.name}`, sensitive: true, data: { password: true } });
      }
    }
    return changes;
  },
  async apply(host, changes, args, ctx): Promise<ApplyResult> {
    const run = async (): Promise<void> => {
      for (const c of changes) {
        if (c.data?.password === true) {
          // The crypted value goes on stdin, never into an argv.
          const r = await host.exec(['chpasswd', '-e'], { stdin: `${args.name}:${args.password ?? ''}\n` });
          if (r.code !== 0) throw new TaskError(`chpasswd failed for ${args.name}: ${r.stderr.trim() || `exit ${r.code}`}`);
          continue;
        }
        const argv = c.data?.argv;
        if (!Array.isArray(argv) || !argv.every((a): a is string => typeof a === 'string')) throw new TaskError('user: malformed change');
        const r = await host.exec(argv);
        if (r.code !== 0) throw new TaskError(`${argv[0] ?? 'user'} failed for ${args.name}: ${r.stderr.trim() || `exit ${r.code}`}`, { details: r.stderr });
      }
    };
    if (args.lockout_guard === false || changes.length === 0 || args.name !== (await loginUser(host, ctx))) await run();
    else await guarded(host, ctx, { what: `changing the login account ${args.name}`, files: ACCOUNT_FILES, restored: 'the previous account files were restored' }, run);
    return { name: args.name, msg: changes.map((c) => c.summary).join('\n') };
  },
};

/** What useradd/usermod/userdel/chpasswd change (a removed home cannot be put back). */
const ACCOUNT_FILES = ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow', '/etc/subuid', '/etc/subgid'];

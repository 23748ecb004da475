/**
 * Users from /etc/passwd and /etc/group, and the useradd/usermod/userdel argv that brings
 * one user to the declared state. Pure.
 */
import { InputError, TaskError } from '../errors.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    out.push({ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), comment: f[4] as string, home: f[5] as string, shell: f[6] as string });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    out.push({ name: f[0] as string, gid: Number(f[2]), members: (f[3] as string).split(',').filter((m) => m !== '') });
  }
  return out;
}

export interface UserArgs {
  name: string;
  state?: 'present' | 'absent';
  uid?: number;
  /** Primary group (name or gid). */
  group?: string | number;
  /** Supplementary groups. */
  groups?: string[];
  /** Add to `groups` without leaving the others (default false: exactly `groups`). */
  append?: boolean;
  shell?: string;
  home?: string;
  comment?: string;
  system?: boolean;
  create_home?: boolean;
  /** userdel -r */
  remove?: boolean;
  /** The crypted password (as in /etc/shadow, e.g. from `mkpasswd -m sha-512`); a secret. */
  password?: string;
  /** always (default): set it when it differs; on_create: only for a new user. */
  update_password?: 'always' | 'on_create';
}

export interface UserPlan {
  action: 'create' | 'update' | 'delete';
  argv: string[];
  summary: string;
}

const NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;

function findGroup(groups: GroupEntry[], g: string | number): GroupEntry | undefined {
  const s = String(g);
  return /^\d+$/.test(s) ? groups.find((x) => x.gid === Number(s)) : groups.find((x) => x.name === s);
}

export function planUser(passwd: PasswdEntry[], groups: GroupEntry[], a: UserArgs): UserPlan | null {
  if (!NAME.test(a.name) || a.name.length > 32) throw new InputError(`user: invalid user name ${JSON.stringify(a.name)}`);
  for (const v of [a.shell, a.home, a.comment]) {
    if (v !== undefined && /[:\n]/.test(v)) throw new InputError('user: shell, home and comment cannot contain ":" or a newline');
  }
  const cur = passwd.find((p) => p.name === a.name);
  if ((a.state ?? 'present') === 'absent') {
    if (!cur) return null;
    return { action: 'delete', argv: ['userdel', ...(a.remove ? ['-r'] : []), a.name], summary: `remove user ${a.name}${a.remove ? ' and its home' : ''}` };
  }
  const missing = [...(a.group !== undefined ? [a.group] : []), ...(a.groups ?? [])].filter((g) => !findGroup(groups, g));
  if (missing.length > 0) throw new TaskError(`user ${a.name}: group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not exist`);

  if (!cur) {
    const argv = ['useradd'];
    if (a.system) argv.push('-r');
    if (a.uid !== undefined) argv.push('-u', String(a.uid));
    if (a.group !== undefined) argv.push('-g', String(a.group));
    if (a.groups && a.groups.length > 0) argv.push('-G', a.groups.join(','));
    if (a.shell !== undefined) argv.push('-s', a.shell);
    if (a.home !== undefined) argv.push('-d', a.home);
    if (a.comment !== undefined) argv.push('-c', a.comment);
    argv.push(a.create_home === false ? '-M' : '-m', a.name);
    return { action: 'create', argv, summary: `create user ${a.name}${a.uid !== undefined ? ` (uid ${a.uid})` : ''}` };
  }

  const argv = ['usermod'];
  const what: string[] = [];
  if (a.uid !== undefined && a.uid !== cur.uid) {
    argv.push('-u', String(a.uid));
    what.push(`uid ${cur.uid} -> ${a.uid}`);
  }
  if (a.group !== undefined) {
    const g = findGroup(groups, a.group) as GroupEntry;
    if (g.gid !== cur.gid) {
      argv.push('-g', String(a.group));
      what.push(`group ${findGroup(groups, cur.gid)?.name ?? cur.gid} -> ${g.name}`);
    }
  }
  if (a.groups !== undefined) {
    const have = groups.filter((g) => g.members.includes(a.name)).map((g) => g.name);
    const want = a.groups.map((g) => (findGroup(groups, g) as GroupEntry).name);
    const add = want.filter((g) => !have.includes(g));
    if (a.append) {
      if (add.length > 0) {
        argv.push('-a', '-G', add.join(','));
        what.push(`add to ${add.join(', ')}`);
      }
    } else {
      const drop = have.filter((g) => !want.includes(g));
      if (add.length > 0 || drop.length > 0) {
        argv.push('-G', want.join(','));
        what.push(`groups ${have.join(',') || '-'} -> ${want.join(',') || '-'}`);
      }
    }
  }
  if (a.shell !== undefined && a.shell !== cur.shell) {
    argv.push('-s', a.shell);
    what.push(`shell ${cur.shell} -> ${a.shell}`);
  }
  if (a.home !== undefined && a.home !== cur.home) {
    argv.push('-d', a.home);
    what.push(`home ${cur.home} -> ${a.home}`);
  }
  if (a.comment !== undefined && a.comment !== cur.comment) {
    argv.push('-c', a.comment);
    what.push(`comment "${cur.comment}" -> "${a.comment}"`);
  }
  if (what.length === 0) return null;
  argv.push(a.name);
  return { action: 'update', argv, summary: `user ${a.name}: ${what.join(', ')}` };
}

/**
 * Whether the password field must be set: the user is new (or being created) and has a password
 * to get, or update_password is always and the crypted value differs. `shadow` is the user's
 * current crypted field, undefined when the user does not exist yet.
 */
export function passwordNeedsSet(a: UserArgs, shadow: string | undefined): boolean {
  if (a.password === undefined || (a.state ?? 'present') === 'absent') return false;
  if (shadow === undefined) return true;
  return (a.update_password ?? 'always') === 'always' && shadow !== a.password;
}

/** The crypted field of NAME in /etc/shadow text; undefined when it has no line. */
export function shadowField(text: string, name: string): string | undefined {
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 2) return f[1];
  }
  return undefined;
}

/**
 * etcd_auth: a root user with the root role, then authentication enabled (etcd v3 API;
 * etcd 3.4 has no guest role to remove). Each step only if not done yet:
 * - `user list` without credentials works only while auth is off;
 * - with auth on, `user get root` with the root password proves all is in place.
 * The password travels on stdin, never in an argv, and is never printed.
 */
import { TaskError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { asUser, etcdctl, tlsSchemaProps, withPasswordOnStdin, type EtcdTls } from './support/etcdctl.js';

export interface EtcdAuthArgs extends EtcdTls {
  password: string;
  user?: string;
}

const schema = {
  type: 'object',
  required: ['endpoints', 'cacert', 'cert', 'key', 'password'],
  properties: { ...tlsSchemaProps, password: { type: 'string', minLength: 1 }, user: { type: 'string', default: 'root' } },
  additionalProperties: false,
};

const MARK = '--hostforge-etcd-auth--';

type State =
  | { auth: 'off'; users: string[]; rootRoles: string[] }
  | { auth: 'on' }
  | { auth: 'unreachable'; error: string };

async function observe(host: Host, a: EtcdAuthArgs): Promise<State> {
  const user = a.user ?? 'root';
  const script = [
    `${shJoin(etcdctl(a, ['user', 'list']))} 2>&1; echo "${MARK}$?"`,
    `${shJoin(etcdctl(a, ['user', 'get', user]))} 2>&1; echo "${MARK}$?"`,
  ].join('\n');
  const off = await host.exec({ script });
  const [list = '', listRc = '', get = '', getRc = ''] = off.stdout.split(new RegExp(`${MARK}(\\d+)\\n?`));
  if (listRc === '0') {
    const roles = getRc === '0' ? (/Roles:\s*(.*)/.exec(get)?.[1] ?? '').trim().split(/\s+/).filter(Boolean) : [];
    return { auth: 'off', users: list.split('\n').map((l) => l.trim()).filter(Boolean), rootRoles: roles };
  }
  // Auth may be on: prove it with the password.
  const on = await host.exec({ script: asUser(user, [etcdctl(a, ['user', 'get', user])]) }, { stdin: `${a.password}\n` });
  if (on.code === 0) return { auth: 'on' };
  const why = `${list}${on.stderr}`.trim().split('\n').slice(-2).join(' ');
  return { auth: 'unreachable', error: why };
}

export const etcdAuthModule: Module<EtcdAuthArgs> = {
  name: 'etcd_auth',
  args: schema,
  async plan(host, a): Promise<Change[]> {
    const user = a.user ?? 'root';
    const st = await observe(host, a);
    if (st.auth === 'on') return [];
    if (st.auth === 'unreachable') {
      // Check mode on fresh hosts: etcd is not running yet; the real run starts it first.
      if (host.checkMode) {
        return [
          { action: 'create', kind: 'user', target: `etcd user ${user}`, summary: `create etcd user ${user} with role root`, sensitive: true },
          { action: 'update', kind: 'other', target: 'etcd auth', summary: 'enable etcd authentication' },
        ];
      }
      throw new TaskError(`cannot tell whether etcd auth is on (wrong password, or cluster down?): ${st.error}`);
    }
    const changes: Change[] = [];
    if (!st.users.includes(user) || !st.rootRoles.includes('root')) {
      changes.push({
        action: st.users.includes(user) ? 'update' : 'create',
        kind: 'user',
        target: `etcd user ${user}`,
        summary: st.users.includes(user) ? `grant role root to etcd user ${user}` : `create etcd user ${user} with role root`,
        sensitive: true,
        data: { exists: st.users.includes(user) },
      });
    }
    changes.push({ action: 'update', kind: 'other', target: 'etcd auth', summary: 'enable etcd authentication' });
    return changes;
  },
  async apply(host, changes, a): Promise<ApplyResult> {
    const user = a.user ?? 'root';
    for (const c of changes) {
      let r;
      if (c.kind === 'user') {
        const grant = etcdctl(a, ['user', 'grant-role', user, 'root']);
        r = c.data?.exists
          ? await host.exec(grant)
          : await host.exec({ script: withPasswordOnStdin(etcdctl(a, ['user', 'add', user, '--interactive=false']), [grant]) }, { stdin: `${a.password}\n` });
      } else {
        r = await host.exec(etcdctl(a, ['auth', 'enable']));
      }
      if (r.code !== 0) throw new TaskError(`${c.summary} failed: ${(r.stderr || r.stdout).trim()}`);
    }
    return { msg: changes.map((c) => c.summary).join('; ') };
  },
};

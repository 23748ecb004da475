/**
 * etcd_prune: members that are no longer declared (taken out of the inventory group) leave
 * the cluster with `etcdctl member remove`, run once from a declared member. Opt-in in
 * roles/etcd (etcd_remove_members). Never below quorum: the removal is refused, and nothing
 * removed, when the members that stay would not have a healthy quorum (support/etcd-quorum.ts).
 * Check mode lists each removal. A removed member's etcd stops by itself once it learns it
 * was removed; its data directory is left on its host (roles/etcd/tasks/retire.yaml moves
 * it aside on hosts still in the inventory).
 */
import { TaskError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { asUser, etcdctl, tlsSchemaProps, type EtcdTls } from './support/etcdctl.js';
import { parseCluster, parseDeclared, planRemovals, type ClusterMember } from './support/etcd-quorum.js';


/** How long a removal refused by etcd's strict reconfiguration check is retried (s). */
const RECONFIG_WAIT_S = 30;
export interface EtcdPruneArgs extends EtcdTls {
  /** Every declared member, "n1=https://10.0.0.1:2380,n2=..." (etcd_member's initial_cluster). */
  members: string;
  /** Named in messages: where the declared members come from. */
  group?: string;
  user?: string;
  password?: string;
}

const schema = {
  type: 'object',
  required: ['members', 'endpoints', 'cacert', 'cert', 'key'],
  properties: {
    ...tlsSchemaProps,
    members: { type: 'string', pattern: '^[^=,]+=[^,]+(,[^=,]+=[^,]+)*$' },
    group: { type: 'string', default: 'etcd' },
    user: { type: 'string', default: 'root' },
    password: { type: 'string' },
  },
  additionalProperties: false,
};

const MARK = '--hostforge-etcd-prune--';

async function observe(host: Host, a: EtcdPruneArgs): Promise<ClusterMember[] | { error: string }> {
  const script = [
    `${shJoin(etcdctl(a, ['member', 'list', '-w', 'json']))} 2>&1; echo "${MARK}$?"`,
    `${shJoin(etcdctl(a, ['endpoint', 'health', '--cluster', '-w', 'json']))} 2>/dev/null; echo "${MARK}$?"`,
  ].join('\n');
  const r = await host.exec({ script });
  const [list = '', listRc = '', health = ''] = r.stdout.split(new RegExp(`${MARK}(\\d+)\\n?`));
  if (listRc !== '0') return { error: list.trim().split('\n').slice(-2).join(' ') || `exit ${listRc}` };
  return parseCluster(list.trim(), health.trim()) ?? { error: `unreadable member list: ${list.slice(0, 200)}` };
}

export const etcdPruneModule: Module<EtcdPruneArgs> = {
  name: 'etcd_prune',
  args: schema,
  async plan(host, a): Promise<Change[]> {
    const seen = await observe(host, a);
    if ('error' in seen) {
      // Check mode on fresh hosts: no cluster runs yet, so there is nobody to remove.
      if (host.checkMode) return [];
      throw new TaskError(`etcd_prune: cannot list the cluster's members: ${seen.error}`);
    }
    const declared = parseDeclared(a.members);
    const plan = planRemovals(seen, declared);
    if (plan.refused) throw new TaskError(`etcd_prune: ${plan.refused}`);
    return plan.remove.map((m) => ({
      action: 'delete',
      kind: 'other',
      target: `etcd member ${m.name || m.id}`,
      summary: `remove member ${m.name || '(unstarted)'} (id ${m.id}, ${m.peerURLs.join(' ')}${m.healthy ? '' : ', not healthy'}) from the cluster: not in group ${a.group ?? 'etcd'}`,
      data: { id: m.id, name: m.name },
    }));
  },
  async apply(host, changes, a): Promise<ApplyResult> {
    const removed: string[] = [];
    for (const c of changes) {
      const id = String(c.data?.id ?? '');
      if (!/^[0-9a-f]+$/.test(id)) throw new TaskError(`etcd_prune: the planned change carries no member ID`);
      const cmd = etcdctl(a, ['member', 'remove', id]);
      const run = (): ReturnType<typeof host.exec> => (a.password !== undefined ? host.exec({ script: asUser(a.user ?? 'root', [cmd]) }, { stdin: `${a.password}\n` }) : host.exec(cmd));
      let r = await run();
      // etcd's strict reconfiguration check refuses a removal ("unhealthy cluster") until every
      // member has been connected for 5 s, e.g. just after a restart: wait for that, within a bound.
      for (let waited = 0; r.code !== 0 && /unhealthy cluster/.test(r.stderr + r.stdout) && waited < RECONFIG_WAIT_S; waited++) {
        await sleep(1000);
        r = await run();
      }
      if (r.code !== 0) throw new TaskError(`etcd member remove ${String(c.data?.name || id)} failed: ${(r.stderr || r.stdout).trim()}`);
      removed.push(String(c.data?.name || id));
    }
    return { msg: `removed ${removed.join(', ')}`, removed };
  },
};

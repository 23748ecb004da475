/**
 * etcd_member: how a member first joins its cluster. A member whose data directory is
 * initialized is left alone (etcd ignores the initial-* settings then, and its data is
 * never touched). Otherwise:
 * - no other member answers: the cluster is new; the bootstrap file says
 *   ETCD_INITIAL_CLUSTER_STATE=new with every declared member;
 * - the cluster runs: the member is added (`member add`, as the root user when auth is
 *   on) unless it already is, and the bootstrap file says `existing` with the running
 *   members plus this one.
 * The bootstrap file is sourced by /etc/default/etcd (init script) or an
 * EnvironmentFile= drop-in (systemd).
 */
import { TaskError } from '../errors.js';
import { shJoin, shQuote } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { asUser, etcdctl, parseMembers, tlsSchemaProps, type EtcdMember, type EtcdTls } from './support/etcdctl.js';

export interface EtcdMemberArgs extends EtcdTls {
  name: string;
  peer_url: string;
  /** Every declared member as etcd writes it: "n1=https://10.0.0.1:2380,n2=..." (this one included). */
  initial_cluster: string;
  token: string;
  data_dir: string;
  bootstrap_file: string;
  user?: string;
  password?: string;
}

const schema = {
  type: 'object',
  required: ['name', 'peer_url', 'initial_cluster', 'token', 'data_dir', 'endpoints', 'cacert', 'cert', 'key'],
  properties: {
    ...tlsSchemaProps,
    endpoints: { type: 'array', items: { type: 'string', minLength: 1 } },
    name: { type: 'string', minLength: 1 },
    peer_url: { type: 'string', pattern: '^https?://' },
    initial_cluster: { type: 'string', pattern: '^[^=,]+=[^,]+(,[^=,]+=[^,]+)*$' },
    token: { type: 'string', minLength: 1 },
    data_dir: { type: 'string', minLength: 1 },
    bootstrap_file: { type: 'string', minLength: 1, default: '/etc/etcd/bootstrap.env' },
    user: { type: 'string', default: 'root' },
    password: { type: 'string' },
  },
  additionalProperties: false,
};

const MARK = '--hostforge-etcd--';

function bootstrapText(state: 'new' | 'existing', cluster: [string, string][], token: string): string {
  return [
    '# Managed by hostforge (etcd_member): how this member first joins its cluster.',
    '# etcd ignores these settings once its data directory is initialized.',
    `ETCD_INITIAL_CLUSTER_STATE=${state}`,
    `ETCD_INITIAL_CLUSTER=${shQuote(cluster.map(([n, u]) => `${n}=${u}`).join(','))}`,
    `ETCD_INITIAL_CLUSTER_TOKEN=${shQuote(token)}`,
    '',
  ].join('\n');
}

interface Observed {
  hasData: boolean;
  bootstrap: string | null;
  members?: EtcdMember[];
}

async function observe(host: Host, a: EtcdMemberArgs): Promise<Observed> {
  const others = a.endpoints;
  const script = [
    `if [ -d ${shQuote(`${a.data_dir}/member`)} ]; then echo DATA; else echo NODATA; fi`,
    `echo ${MARK}`,
    `if [ -e ${shQuote(a.bootstrap_file)} ]; then cat ${shQuote(a.bootstrap_file)}; else echo ${MARK}MISSING; fi`,
    `echo ${MARK}`,
    others.length > 0 ? `${shJoin(etcdctl(a, ['member', 'list', '-w', 'json'], others))} 2>/dev/null || true` : 'true',
  ].join('\n');
  const r = await host.exec({ script });
  const [data = '', boot = '', list = ''] = r.stdout.split(`${MARK}\n`);
  return {
    hasData: data.trim() === 'DATA',
    bootstrap: boot.startsWith(`${MARK}MISSING`) ? null : boot,
    members: list.trim() ? parseMembers(list.trim()) : undefined,
  };
}

export const etcdMemberModule: Module<EtcdMemberArgs> = {
  name: 'etcd_member',
  args: schema,
  async plan(host, a): Promise<Change[]> {
    const seen = await observe(host, a);
    if (seen.hasData) return [];
    const changes: Change[] = [];
    let text: string;
    if (seen.members && seen.members.length > 0) {
      const mine = seen.members.find((m) => (m.peerURLs ?? []).includes(a.peer_url));
      if (!mine) {
        changes.push({
          action: 'run',
          kind: 'other',
          target: `etcd member ${a.name}`,
          summary: `add member ${a.name} (${a.peer_url}) to the running cluster`,
          data: { peer_url: a.peer_url },
        });
      }
      const cluster: [string, string][] = seen.members
        .filter((m) => !(m.peerURLs ?? []).includes(a.peer_url) && m.name)
        .map((m) => [m.name!, (m.peerURLs ?? [])[0] ?? '']);
      cluster.push([a.name, a.peer_url]);
      text = bootstrapText('existing', cluster, a.token);
    } else {
      const declared = a.initial_cluster.split(',').map((kv) => kv.split('=', 2) as [string, string]);
      text = bootstrapText('new', declared, a.token);
    }
    if (seen.bootstrap !== text) {
      changes.push({
        action: seen.bootstrap === null ? 'create' : 'update',
        kind: 'file',
        target: a.bootstrap_file,
        summary: `${seen.bootstrap === null ? 'create' : 'update'} ${a.bootstrap_file} (${/STATE=(\w+)/.exec(text)?.[1]} cluster)`,
        before: seen.bootstrap ?? undefined,
        after: text,
        attrs: { mode: '0644' },
      });
    }
    return changes;
  },
  async apply(host, changes, a): Promise<ApplyResult> {
    for (const c of changes) {
      if (c.kind === 'other') {
        const add = etcdctl(a, ['member', 'add', a.name, `--peer-urls=${a.peer_url}`]);
        const r = a.password !== undefined
          ? await host.exec({ script: asUser(a.user ?? 'root', [add]) }, { stdin: `${a.password}\n` })
          : await host.exec(add);
        if (r.code !== 0) throw new TaskError(`etcd member add ${a.name} failed: ${r.stderr.trim() || r.stdout.trim()}`);
      } else if (c.kind === 'file' && c.after !== undefined) {
        await host.write(c.target, c.after, { mode: '0644' });
      }
    }
    return { msg: changes.map((c) => c.summary).join('; ') };
  },
};

/**
 * Which etcd members may leave the cluster (pure, table-tested): every member neither
 * declared by name nor by peer URL, removed one at a time, unhealthy ones first (removing
 * a dead member only raises the cluster's fault tolerance). Each removal must leave the
 * cluster with a quorum of healthy members (floor(n/2) + 1 of the n that stay) and at
 * least one member; otherwise nothing at all is removed and the reason says why.
 */
export interface ClusterMember {
  /** Hex ID as etcdctl member remove takes it. */
  id: string;
  /** Empty for a member added but never started. */
  name: string;
  peerURLs: string[];
  healthy: boolean;
}

export interface RemovalPlan {
  remove: ClusterMember[];
  /** Set when the removal is refused: nothing is removed. */
  refused?: string;
}

export const quorumOf = (size: number): number => Math.floor(size / 2) + 1;

const label = (m: ClusterMember): string => m.name || `(unstarted, ${m.peerURLs.join(' ')})`;

export function planRemovals(members: readonly ClusterMember[], declared: ReadonlyMap<string, string>): RemovalPlan {
  const peers = new Set(declared.values());
  const isDeclared = (m: ClusterMember): boolean => (m.name !== '' && declared.has(m.name)) || m.peerURLs.some((u) => peers.has(u));
  const undeclared = members.filter((m) => !isDeclared(m)).sort((a, b) => Number(a.healthy) - Number(b.healthy));
  if (undeclared.length === 0) return { remove: [] };
  const names = undeclared.map(label).join(', ');
  if (undeclared.length === members.length) {
    return { remove: [], refused: `refusing to remove ${names}: no member of the running cluster is declared (that would remove every member; is the group right?)` };
  }
  const healthyNow = members.filter((m) => m.healthy).length;
  if (healthyNow < quorumOf(members.length)) {
    return { remove: [], refused: `refusing to remove ${names}: the cluster has no quorum now (${healthyNow} healthy of ${members.length} members, quorum ${quorumOf(members.length)})` };
  }
  let staying = [...members];
  for (const m of undeclared) {
    staying = staying.filter((s) => s !== m);
    const healthy = staying.filter((s) => s.healthy).length;
    if (healthy < quorumOf(staying.length)) {
      const down = staying.filter((s) => !s.healthy).map(label);
      return {
        remove: [],
        refused:
          `refusing to remove ${label(m)}: the ${staying.length} members left would have ${healthy} healthy, below their quorum of ${quorumOf(staying.length)}` +
          `${down.length > 0 ? ` (not healthy: ${down.join(', ')})` : ''}; bring the declared members up first`,
      };
    }
  }
  return { remove: undeclared };
}

/** "n1=https://a:2380,n2=https://b:2380" → name → peer URL. */
export function parseDeclared(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const kv of text.split(',')) {
    const i = kv.indexOf('=');
    if (i > 0) out.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return out;
}

interface RawMember {
  ID?: string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
}

/**
 * `etcdctl member list -w json` and `endpoint health --cluster -w json` → members with their
 * health. IDs are uint64: they are read as text (JSON numbers would lose digits) and turned to hex.
 */
export function parseCluster(listJson: string, healthJson: string): ClusterMember[] | undefined {
  let list: { members?: RawMember[] };
  try {
    list = JSON.parse(listJson.replace(/"ID"\s*:\s*(\d+)/g, '"ID":"$1"')) as { members?: RawMember[] };
  } catch {
    return undefined;
  }
  if (!Array.isArray(list.members)) return undefined;
  const healthy = new Set<string>();
  try {
    const h = JSON.parse(healthJson || '[]') as { endpoint?: string; health?: boolean }[];
    for (const e of Array.isArray(h) ? h : []) if (e.health === true && e.endpoint) healthy.add(e.endpoint);
  } catch {
    /* no health answer at all: every member counts as unhealthy */
  }
  return list.members.map((m) => ({
    id: BigInt(m.ID ?? '0').toString(16),
    name: m.name ?? '',
    peerURLs: m.peerURLs ?? [],
    healthy: (m.clientURLs ?? []).some((u) => healthy.has(u)),
  }));
}

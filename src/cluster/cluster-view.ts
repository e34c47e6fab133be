import { groupsOf, leaveBlockers, type Group, type Jsz } from './spare-rule.js';

/** A peer of the JetStream meta layer as this member sees it (only the meta leader knows how current each is). */
export interface PeerView {
  name: string;
  current: boolean;
  offline: boolean;
  lag: number | null;
}

/** This member's view of its cluster (docs/cluster.md): what `inspect`, /state, the page and /metrics show. */
export interface ClusterView {
  name: string | null;
  metaLeader: string | null;
  peers: PeerView[];
  /** Replicated streams and consumers on this member that have no leader, or that it leads with a replica behind. */
  atRisk: string[];
  safeToLeave: boolean;
  /** Why this member may not leave now; empty when it may. */
  leaveBlockers: string[];
  at: string;
}

function atRisk(group: Group, self: string): string | null {
  const { leader, replicas = [] } = group.info;
  if (!leader) return `${group.what}: no leader`;
  if (leader !== self) return null;
  const behind = replicas.filter((r) => r.current !== true || r.offline === true).map((r) => r.name ?? '?');
  return behind.length ? `${group.what}: ${behind.join(', ')} not current` : null;
}

export function clusterView(jsz: Jsz & { meta_cluster?: { name?: string } }, self: string, clusterName: string | null, now = new Date()): ClusterView {
  const meta = jsz.meta_cluster;
  const blockers = leaveBlockers(jsz, self);
  return {
    name: clusterName ?? meta?.name ?? null,
    metaLeader: meta?.leader || null,
    peers: (meta?.replicas ?? []).map((r) => ({ name: r.name ?? '?', current: r.current === true, offline: r.offline === true, lag: r.lag ?? null })),
    atRisk: groupsOf(jsz)
      .filter((g) => g.kind !== 'meta')
      .map((g) => atRisk(g, self))
      .filter((x): x is string => x !== null),
    safeToLeave: blockers.length === 0,
    leaveBlockers: blockers,
    at: now.toISOString(),
  };
}

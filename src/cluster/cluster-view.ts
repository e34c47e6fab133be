import type { Varz } from '../nats-server/monitor.js';

/** A peer of the JetStream meta layer as this member sees it (only the meta leader knows how current each is). */
export interface PeerView {
  name: string;
  current: boolean;
  offline: boolean;
  lag: number | null;
}

/**
 * This member's view of its cluster (docs/cluster.md): what `inspect`, /state, the page and /metrics show. Only
 * the meta layer, which /varz carries: what it costs nats-server does not grow with the streams. Whether each
 * stream and consumer could spare this member is asked only while it waits to leave (spare-check.ts).
 */
export interface ClusterView {
  name: string | null;
  metaLeader: string | null;
  peers: PeerView[];
  at: string;
}

/** The part of /varz the view reads: the cluster's name and JetStream's meta group. */
export type ClusterVarz = Pick<Varz, 'cluster' | 'jetstream'>;

export function clusterView(varz: ClusterVarz, now = new Date()): ClusterView {
  const meta = varz.jetstream?.meta;
  return {
    name: varz.cluster?.name || meta?.name || null,
    metaLeader: meta?.leader || null,
    peers: (meta?.replicas ?? []).map((r) => ({ name: r.name ?? '?', current: r.current === true, offline: r.offline === true, lag: r.lag ?? null })),
    at: now.toISOString(),
  };
}

import { hostname } from 'node:os';
import { fetchVarz } from '../nats-server/monitor.js';
import { ASK_TIMEOUT_MS } from '../nats-server/monitor-poll.js';
import type { Settings } from '../settings.js';
import { withDeadline } from '../util/deadline.js';

type MonitorSettings = Pick<Settings, 'monitorPort'>;

const varzOf = (settings: MonitorSettings) => withDeadline(ASK_TIMEOUT_MS, undefined, (signal) => fetchVarz(settings.monitorPort, signal));

/**
 * The member's name in the lease: nats-server's server_name, the name its peers know it by (lease holders are
 * told apart from strangers by it: knownMembers). With monitoring off, the host's. Throws while nats-server does
 * not answer: the lease is not taken under a name the others would not know.
 */
export async function memberName(settings: MonitorSettings): Promise<string> {
  if (settings.monitorPort === 0) return hostname();
  const name = (await varzOf(settings)).server_name;
  if (!name) throw new Error('nats-server did not say its server_name');
  return name;
}

/**
 * Every member of this cluster, by the JetStream meta layer's peers (this one and the others it knows); null when
 * that cannot be told in full: monitoring off or unanswered, or a member that lists fewer peers than the cluster
 * has (2.10's followers list none). A lease held under another name is held by no member.
 */
export async function knownMembers(settings: MonitorSettings): Promise<Set<string> | null> {
  if (settings.monitorPort === 0) return null;
  const varz = await varzOf(settings).catch(() => null);
  const meta = varz?.jetstream?.meta;
  const names = (meta?.replicas ?? []).map((r) => r.name).filter((n): n is string => !!n);
  if (!varz?.server_name || !meta?.cluster_size || names.length + 1 < meta.cluster_size) return null;
  return new Set([varz.server_name, ...names]);
}

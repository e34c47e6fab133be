/**
 * This member's consumer groups as its /raftz shows them, in the shape /jsz gives a consumer's cluster, so the
 * spare rule judges them alike. /raftz lists only the raft groups this member is in, so its cost follows the
 * replicated groups, where /jsz with consumers costs as much for every R1 stream's consumers (docs/performance.md).
 */
import { durationMs } from '../config/duration.js';
import type { Group, GroupInfo, Jsz, Replica } from './spare-rule.js';

interface RaftzPeer {
  name?: string;
  /** Reported by a leader only; nats-server leaves it out when it is 0. */
  last_replicated_index?: number;
  /** A Go duration ("134.9ms"); left out for a peer never heard from. */
  last_seen?: string;
}
interface RaftzGroup {
  /** This member's peer id in the group. */
  id?: string;
  size?: number;
  applied?: number;
  /** The leader's peer id; left out while there is none. */
  leader?: string;
  /** The other members of the group, by peer id. */
  peers?: Record<string, RaftzPeer>;
}
/** Account, then raft group name, as `/raftz?acc=` answers. */
export type Raftz = Record<string, Record<string, RaftzGroup>>;

/** nats-server's lostQuorumInterval: a replica not heard from for longer is not current, in /jsz as here. */
const HEARD_WITHIN_MS = 10_000;
/** A consumer's raft group, as nats-server names it. */
const CONSUMER_GROUP = /^C-/;

/**
 * Current as nats-server itself reckons it for /jsz (raft.go's Peers, cut by clusterInfo's lostQuorumInterval):
 * the leader, or a replica holding every entry this member applied, heard from lately. Only a leader knows.
 */
function isCurrent(peerId: string, peer: RaftzPeer, group: RaftzGroup): boolean {
  const seenMs = durationMs(peer.last_seen);
  const holdsAll = peerId === group.leader || (peer.last_replicated_index ?? 0) >= (group.applied ?? Infinity);
  return holdsAll && seenMs !== null && seenMs <= HEARD_WITHIN_MS;
}

/**
 * Whether each server is offline, as every group's /jsz cluster has it (one flag per server). From the meta group's
 * replicas where nats-server lists them (2.9 lists them on the meta leader only) and every replicated stream's: a
 * consumer's replicas are among its stream's. A server no list names counts as offline, as /jsz shows a replica
 * whose server it cannot name.
 */
export function offlineByName(jsz: Jsz): (name: string) => boolean {
  const streams = (jsz.account_details ?? []).flatMap((a) => a.stream_detail ?? []);
  const replicas = [...(jsz.meta_cluster?.replicas ?? []), ...streams.flatMap((s) => s.cluster?.replicas ?? [])];
  const known = new Map<string | undefined, boolean>();
  for (const r of replicas) known.set(r.name, (known.get(r.name) ?? false) || r.offline === true);
  return (name) => known.get(name) ?? true;
}

function infoOf(group: RaftzGroup, self: string, offline: (name: string) => boolean): GroupInfo {
  const peers = Object.entries(group.peers ?? {});
  const leader = !group.leader ? undefined : group.leader === group.id ? self : (group.peers?.[group.leader]?.name ?? group.leader);
  const replicas: Replica[] = peers.map(([id, peer]) => {
    const name = peer.name ?? id;
    return { name, current: isCurrent(id, peer, group), offline: offline(name) };
  });
  return { leader, replicas };
}

/** The replicated consumer groups in one /raftz answer. */
export function consumerGroupsOf(raftz: Raftz, self: string, offline: (name: string) => boolean): Group[] {
  const groups: Group[] = [];
  for (const [account, byName] of Object.entries(raftz)) {
    for (const [name, group] of Object.entries(byName)) {
      if (!CONSUMER_GROUP.test(name) || (group.size ?? 0) < 2) continue;
      groups.push({ kind: 'consumer', what: `consumer group ${name} (account ${account})`, size: group.size!, info: infoOf(group, self, offline) });
    }
  }
  return groups;
}

/** The accounts holding a replicated stream, whose consumers alone may have raft groups; by the name nats-server keys. */
export function accountsWithReplicatedStreams(jsz: Jsz): string[] {
  return (jsz.account_details ?? [])
    .filter((a) => (a.stream_detail ?? []).some((s) => (s.cluster?.replicas?.length ?? 0) > 0))
    .map((a) => a.id ?? a.name ?? '')
    .filter((a) => a !== '');
}

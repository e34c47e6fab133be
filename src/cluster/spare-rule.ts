/**
 * Whether the cluster can spare this member now, from its own /jsz (docs/contract.md: Stopping). A raft group
 * (the meta layer, a replicated stream or consumer) can spare it when it has a leader and, where this member
 * leads it (only a leader knows how current its followers are), enough other replicas are current to keep a
 * quorum without it; where it follows, no other replica is known to be offline.
 */

export interface Replica {
  name?: string;
  current?: boolean;
  offline?: boolean;
  lag?: number;
}
export interface GroupInfo {
  leader?: string;
  replicas?: Replica[];
}
interface ConsumerDetail {
  name?: string;
  cluster?: GroupInfo;
}
interface StreamDetail {
  name?: string;
  cluster?: GroupInfo;
  consumer_detail?: ConsumerDetail[];
}
export interface Jsz {
  disabled?: boolean;
  meta_cluster_name?: string;
  config?: unknown;
  meta_cluster?: GroupInfo & { cluster_size?: number };
  /** `id`: the account's name as nats-server keys it (`name` may be its JWT's name tag). */
  account_details?: { name?: string; id?: string; stream_detail?: StreamDetail[] }[];
}

/** A raft group this member belongs to, as this member sees it; size counts this member too. */
export interface Group {
  kind: 'meta' | 'stream' | 'consumer';
  /** How the operator reads it, in reasons and `inspect`. */
  what: string;
  size: number;
  info: GroupInfo;
}

const quorum = (size: number): number => Math.floor(size / 2) + 1;

export function groupsOf(jsz: Jsz): Group[] {
  const groups: Group[] = [];
  const meta = jsz.meta_cluster;
  if (meta && (meta.cluster_size ?? 1) > 1) groups.push({ kind: 'meta', what: 'the JetStream meta layer', size: meta.cluster_size ?? 1, info: meta });
  for (const account of jsz.account_details ?? []) {
    for (const stream of account.stream_detail ?? []) {
      // The other replicas, as nats-server lists them while the group has a leader (leaderless, it lists this member
      // too, and the group blocks whatever its size). An R1 stream has none.
      const size = (stream.cluster?.replicas?.length ?? 0) + 1;
      if (size < 2 || !stream.cluster) continue;
      groups.push({ kind: 'stream', what: `stream ${stream.name ?? '?'}`, size, info: stream.cluster });
      for (const consumer of stream.consumer_detail ?? []) {
        if (consumer.cluster && (consumer.cluster.replicas?.length ?? 0) > 0) {
          groups.push({
            kind: 'consumer',
            what: `consumer ${stream.name ?? '?'} > ${consumer.name ?? '?'}`,
            size: (consumer.cluster.replicas?.length ?? 0) + 1,
            info: consumer.cluster,
          });
        }
      }
    }
  }
  return groups;
}

/** Why a group cannot spare the member; `gone`: the offline replicas it waits on, when only they would mend it. */
export interface Blocker {
  reason: string;
  gone: string[];
}

/** Why this one group cannot spare the member, or null when it can. */
function groupBlocks(group: Group, self: string): Blocker | null {
  const { leader, replicas = [] } = group.info;
  const others = replicas.filter((r) => r.name !== self);
  const offline = others.filter((r) => r.offline === true).map((r) => r.name ?? '?');
  if (!leader) return { reason: `${group.what} has no leader`, gone: offline };
  if (leader !== self) {
    return offline.length ? { reason: `${group.what} has replicas offline (${offline.join(', ')})`, gone: offline } : null;
  }
  const current = others.filter((r) => r.current === true && r.offline !== true).length;
  const needed = quorum(group.size);
  if (current >= needed) return null;
  const reason = `${group.what} (led here) would keep ${current} current replica${current === 1 ? '' : 's'} without this member; it needs ${needed}`;
  // A replica that is up but behind (catching up) will be current soon: the group waits on it, not on the gone.
  if (current + offline.length < needed || offline.length === 0) return { reason, gone: [] };
  return { reason: `${reason}; offline: ${offline.join(', ')}`, gone: offline };
}

/** The reasons this member may not leave now; empty when it may. `more`: groups known from elsewhere (/raftz). */
export function leaveBlockers(jsz: Jsz, self: string, more: readonly Group[] = []): Blocker[] {
  if (jsz.disabled === true) return [];
  return [...groupsOf(jsz), ...more].map((g) => groupBlocks(g, self)).filter((x): x is Blocker => x !== null);
}

/**
 * The members every blocker waits on when all of them are offline (leaving or gone: a drain of the cluster);
 * empty when some blocker waits on a member that is up.
 */
export function goneOnly(blockers: readonly Blocker[]): string[] {
  if (blockers.length === 0 || blockers.some((b) => b.gone.length === 0)) return [];
  return [...new Set(blockers.flatMap((b) => b.gone))].sort();
}

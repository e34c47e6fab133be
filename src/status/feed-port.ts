import type { ReloadRecord } from '../../machines/outputs.js';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { LeafRemote } from '../nats-server/leaf-remotes.js';
import type { Health } from '../nats-server/monitor.js';

export interface LeafRemoteView extends LeafRemote {
  name: string;
  since: string;
  alerted: boolean;
}
/** What inspect, /state and /metrics show of the leaf connections; null without remotes or while down. */
export interface LeafView {
  converged: boolean;
  remotes: LeafRemoteView[];
}

/**
 * What the feeds beside the chart (health, leaf remotes, cluster: they poll nats-server's monitoring port to
 * keep the status surfaces current, and decide nothing) read of the supervisor and report back: the status
 * model as they see it, so they depend on this and nothing else of it.
 */
export interface FeedPort {
  /** The chart says nats-server is up and has passed readiness. */
  readonly ready: boolean;
  /** The chart decided this is a cluster member (from the first valid config). */
  readonly clustered: boolean;
  readonly lastReload: ReloadRecord | null;
  readonly health: Health | null;
  readonly serverVersion: string | null;
  readonly leaf: LeafView | null;
  setHealth(health: Health | null): void;
  /** A health question got no answer in time: nats-server is slow, which is shown, not acted on. */
  setUnanswered(at: number): void;
  setServerVersion(version: string | null): void;
  setLeaf(view: LeafView | null): void;
  setCluster(view: ClusterView | null): void;
  /** Each transition of the chart, as the status model records it. */
  on(event: 'transition', listener: () => void): unknown;
  off(event: 'transition', listener: () => void): unknown;
}

import { fetchVarz } from '../nats-server/monitor.js';
import { MonitorPoll } from '../nats-server/monitor-poll.js';
import type { Settings } from '../settings.js';
import type { FeedPort } from '../status/feed-port.js';
import { clusterView, type ClusterView } from './cluster-view.js';

const EVERY_MS = 5000;

/** This member's view of its cluster, from its own /varz alone. */
export async function askClusterView(monitorPort: number, signal?: AbortSignal): Promise<ClusterView> {
  return clusterView(await fetchVarz(monitorPort, signal));
}

/**
 * Keeps this member's view of its cluster current while nats-server is ready and the chart runs a cluster
 * member: asked every few seconds from its /varz, beside the chart and never in its way. An answer
 * that does not come leaves the last view, whose `at` says how old it is.
 */
export function feedCluster(settings: Pick<Settings, 'monitorPort'>, status: FeedPort): { close(): void } {
  if (settings.monitorPort === 0) return { close: () => undefined };
  const poll = new MonitorPoll<ClusterView>({
    when: () => status.ready && status.clustered,
    ask: (signal) => askClusterView(settings.monitorPort, signal),
    everyMs: () => EVERY_MS,
    onAnswer: (answer) => {
      if (answer.ok) status.setCluster(status.ready ? answer.value : null);
    },
  }).start(EVERY_MS);
  const onTransition = (): void => {
    if (!status.ready) status.setCluster(null);
  };
  status.on('transition', onTransition);
  return {
    close: () => {
      poll.close();
      status.off('transition', onTransition);
    },
  };
}

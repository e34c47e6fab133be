import { fetchJsz, fetchVarz } from '../nats-server/monitor.js';
import type { Settings } from '../settings.js';
import type { FeedPort } from '../status/feed-port.js';
import { clusterView, type ClusterView } from './cluster-view.js';
import type { Jsz } from './spare-rule.js';

const EVERY_MS = 5000;

/** This member's view of its cluster, from its own /varz and /jsz (the spare check asks the same). */
export async function askClusterView(monitorPort: number, signal?: AbortSignal): Promise<ClusterView> {
  const [varz, jsz] = await Promise.all([fetchVarz(monitorPort, signal), fetchJsz(monitorPort, signal)]);
  const cluster = (varz as { cluster?: { name?: string } }).cluster;
  return clusterView(jsz as Jsz, varz.server_name ?? '', cluster?.name ?? null);
}
const ASK_TIMEOUT_MS = 2000;

/**
 * Keeps this member's view of its cluster current while nats-server is ready and the config makes it a cluster
 * member: asked every few seconds from its /varz and /jsz, beside the chart and never in its way.
 */
export function feedCluster(settings: Pick<Settings, 'monitorPort'>, status: FeedPort): { close(): void } {
  if (settings.monitorPort === 0) return { close: () => undefined };
  let asking = false;
  const ask = async (): Promise<void> => {
    if (asking) return;
    if (!status.ready || !status.clustered) return void status.setCluster(null);
    asking = true;
    try {
      const view = await askClusterView(settings.monitorPort, AbortSignal.timeout(ASK_TIMEOUT_MS));
      status.setCluster(status.ready ? view : null);
    } catch {
      // Not answering now: the last view stays until it is older than a few rounds (its `at` says how old).
    } finally {
      asking = false;
    }
  };
  const timer = setInterval(() => void ask(), EVERY_MS).unref();
  const onTransition = (): void => {
    if (!status.ready) status.setCluster(null);
  };
  status.on('transition', onTransition);
  return {
    close: () => {
      clearInterval(timer);
      status.off('transition', onTransition);
    },
  };
}

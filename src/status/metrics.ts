import { requireLazily } from '../util/lazy-require.js';
import type { PeerView } from '../cluster/cluster-view.js';
import type { StatusModel } from './model.js';

type PromClient = typeof import('prom-client');

/** Counters that mirror a running total: each scrape adds what grew since the last one. */
function mirror(
  counter: { inc(labels: Record<string, string>, v: number): void },
  seen: Map<string, number>,
  key: string,
  labels: Record<string, string>,
  total: number,
): void {
  const delta = total - (seen.get(key) ?? 0);
  if (delta > 0) counter.inc(labels, delta);
  seen.set(key, total);
}

function register(prom: PromClient, status: StatusModel) {
  const registry = new prom.Registry();
  const seen = new Map<string, number>();
  const counter = (name: string, help: string, labelNames: string[] = []) => new prom.Counter({ name, help, labelNames, registers: [registry] });
  const reloads = counter('iofog_nats_reloads_total', 'Changes acted on, by outcome', ['outcome']);
  const restarts = counter('iofog_nats_restarts_total', 'nats-server restarts asked for by a change (leaf mode)');
  const crashes = counter('iofog_nats_crashes_total', 'Unexpected nats-server exits');
  const purges = counter('iofog_nats_purges_total', 'JetStream accounts purged');
  const pushed = counter('iofog_nats_claims_pushed_total', 'Account JWTs pushed with $SYS.REQ.CLAIMS.UPDATE');
  const failed = counter('iofog_nats_claims_failed_total', 'Account JWT pushes that failed');
  const state = new prom.Gauge({
    name: 'iofog_nats_state',
    help: 'The active supervisor state (1 for the current one)',
    labelNames: ['state'],
    registers: [registry],
  });
  const ready = new prom.Gauge({ name: 'iofog_nats_server_ready', help: '1 when nats-server is running and ready', registers: [registry] });
  const healthy = new prom.Gauge({
    name: 'iofog_nats_server_healthy',
    help: '1 when nats-server is ready, has caught up (its full /healthz passed since it started) and has not said it is unhealthy since',
    registers: [registry],
  });
  const leafRemotes = new prom.Gauge({
    name: 'iofog_nats_leaf_remotes',
    help: 'Configured leaf remotes, by whether nats-server holds a connection to them',
    labelNames: ['state'],
    registers: [registry],
  });
  const drift = new prom.Gauge({
    name: 'iofog_nats_config_drift',
    help: '1 while what is mounted for a cause differs from what nats-server runs',
    labelNames: ['cause'],
    registers: [registry],
  });
  const driftSeconds = new prom.Gauge({
    name: 'iofog_nats_config_drift_seconds',
    help: 'How long a cause has been behind what is mounted (0 while in step)',
    labelNames: ['cause'],
    registers: [registry],
  });
  const peers = new prom.Gauge({
    name: 'iofog_nats_cluster_peers',
    help: "The JetStream meta layer's other members as this member sees them, by state (docs/cluster.md); absent outside a cluster",
    labelNames: ['state'],
    registers: [registry],
  });
  const storeFault = new prom.Gauge({
    name: 'iofog_nats_store_fault',
    help: '1 while nats-server has stopped writing to its JetStream store (a write error); a restart follows once the store has room',
    registers: [registry],
  });
  const restartHeld = new prom.Gauge({
    name: 'iofog_nats_store_restart_held',
    help: '1 while a store-fault restart waits for an operator because it would lose acked data (iofog-nats accept-loss)',
    registers: [registry],
  });
  const restartWanted = new prom.Gauge({
    name: 'iofog_nats_restart_wanted',
    help: 'A restart the supervisor decided, by the step it waits in (awaitingLease, waitingToLeave, due): 1 in that step; nats-server serves meanwhile',
    labelNames: ['step'],
    registers: [registry],
  });
  const purgeWaiting = new prom.Gauge({
    name: 'iofog_nats_purge_waiting_accounts',
    help: "Accounts that left this member's mount whose JetStream data waits for the other members' mounts to let them go",
    registers: [registry],
  });
  const lastReload = new prom.Gauge({ name: 'iofog_nats_last_reload_timestamp_seconds', help: 'When the last change finished', registers: [registry] });
  return async (): Promise<{ contentType: string; body: string }> => {
    const { totals } = status;
    for (const [outcome, n] of Object.entries(totals.reloadsByOutcome)) mirror(reloads, seen, `reloads:${outcome}`, { outcome }, n);
    mirror(restarts, seen, 'restarts', {}, status.context?.server.restarts ?? 0);
    mirror(crashes, seen, 'crashes', {}, status.context?.server.crashes ?? 0);
    mirror(purges, seen, 'purges', {}, totals.purges);
    mirror(pushed, seen, 'pushed', {}, totals.claimsPushed);
    mirror(failed, seen, 'failed', {}, totals.claimsFailed);
    state.reset();
    if (status.state) state.set({ state: status.state }, 1);
    ready.set(status.ready ? 1 : 0);
    healthy.set(status.healthy ? 1 : 0);
    storeFault.set(status.storeFault ? 1 : 0);
    restartHeld.set(status.member?.store === 'faulted.awaitingOperator' ? 1 : 0);
    const step = status.member?.restart.replace(/^wanted\./, '');
    for (const s of RESTART_STEPS) restartWanted.set({ step: s }, s === step ? 1 : 0);
    purgeWaiting.set(status.context?.lastReconcile?.purgeWaiting?.length ?? 0);
    const now = Date.now();
    for (const c of status.drift.causes) {
      drift.set({ cause: c.cause }, c.inStep ? 0 : 1);
      driftSeconds.set({ cause: c.cause }, c.since ? Math.max(0, (now - Date.parse(c.since)) / 1000) : 0);
    }
    const remotes = status.leaf?.remotes ?? [];
    leafRemotes.set({ state: 'connected' }, remotes.filter((r) => r.connected).length);
    leafRemotes.set({ state: 'down' }, remotes.filter((r) => !r.connected).length);
    peers.reset();
    if (status.cluster) {
      const states = status.cluster.peers.map(peerState);
      for (const state of PEER_STATES) peers.set({ state }, states.filter((s) => s === state).length);
    }
    if (totals.lastReloadAt) lastReload.set(Date.parse(totals.lastReloadAt) / 1000);
    return { contentType: registry.contentType, body: await registry.metrics() };
  };
}

const RESTART_STEPS = ['awaitingLease', 'waitingToLeave', 'due'] as const;
const PEER_STATES = ['current', 'behind', 'offline'] as const;
const peerState = (p: PeerView): (typeof PEER_STATES)[number] => (p.offline ? 'offline' : p.current ? 'current' : 'behind');

/**
 * /metrics in the Prometheus text format. prom-client is loaded on the first scrape: its resident memory
 * (docs/performance.md) is a cost an edge node nobody scrapes should not pay.
 */
export function createMetrics(status: StatusModel): () => Promise<{ contentType: string; body: string }> {
  let render: ReturnType<typeof register> | null = null;
  return async () => {
    render ??= register(requireLazily('prom-client') as PromClient, status);
    return render();
  };
}

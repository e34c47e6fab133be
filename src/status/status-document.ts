import type { SupervisorContext } from '../../machines/context.js';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { GoMemLimit } from '../nats-server/memory-limit.js';
import type { Health } from '../nats-server/monitor.js';
import type { MemberStates } from '../util/state-path.js';
import type { DriftReport } from './drift.js';
import type { LeafView } from './feed-port.js';
import type { Totals } from './record-totals.js';

/** `event` is the chart's own name for what happened; `what` says it in the operator's words. */
export interface Transition {
  at: string;
  state: string;
  event: string;
  what: string;
}

/** What the status document is made of: the status model's facts (the model passes itself). */
export interface DocumentFacts {
  state: string;
  context: SupervisorContext | null;
  sources: { configDigest: () => string | null; stopPlan: () => string | null; goMemLimit: GoMemLimit | null };
  ready: boolean;
  health: Health | null;
  serverVersion: string | null;
  slow: string | null;
  caughtUp: boolean;
  storeFault: string | null;
  member: MemberStates | null;
  regions: string[];
  totals: Totals;
  leaf: LeafView | null;
  cluster: ClusterView | null;
  drift: DriftReport;
  history: readonly Transition[];
}

/** The `inspect --json` / GET /state document (docs/contract.md: Status surfaces), before redaction. */
export function statusDocument(m: DocumentFacts) {
  const c = m.context;
  return {
    state: m.state,
    mode: c?.mode ?? null,
    server: {
      pid: c?.server.pid ?? null,
      startedAt: c?.server.startedAt ?? null,
      restarts: c?.server.restarts ?? 0,
      crashes: c?.server.crashes ?? 0,
      version: m.serverVersion,
      configDigest: m.sources.configDigest(),
      stopPlan: m.sources.stopPlan(),
      ready: m.ready,
      healthy: m.health?.healthy ?? null,
      health: m.health?.reason ?? null,
      slow: m.slow,
      caughtUp: m.caughtUp,
      catchingUp: c?.catchingUp ?? null,
      /** Why this member does not leave yet, while it waits to be spared; null otherwise. */
      leaveBlocked: c?.leaveBlocked ?? null,
      /** nats-server stopped writing to its JetStream store, in its words, until a new nats-server runs. */
      storeFault: m.storeFault,
      goMemLimit: m.sources.goMemLimit && {
        value: m.sources.goMemLimit.value,
        source: m.sources.goMemLimit.source,
        containerBytes: m.sources.goMemLimit.containerBytes,
        detail: m.sources.goMemLimit.detail,
      },
    },
    /** A restart the chart decided and nats-server has not had yet: what it applies, and where it waits. */
    restart: m.member?.restart.startsWith('wanted') ? { step: m.member.restart, causes: c?.restartCauses ?? [] } : null,
    /** The cluster's restart lease, while a restart this member decided waits for it or holds it. */
    restartLease: { held: m.member?.lease === 'inUse.held', waitingFor: c?.leaseHolder ?? null },
    /** What is true of the member, a word per region of the chart (docs/statechart.md: regions). */
    member: m.member,
    /** The regions' active states as the chart's paths, for the page to light beside `state`. */
    regions: m.regions,
    reloads: {
      count: c?.reloadCount ?? 0,
      last: c?.lastReload ? { ...c.lastReload, at: m.totals.lastReloadAt } : null,
    },
    reconcile: { last: c?.lastReconcile ?? null },
    leaf: m.leaf,
    cluster: m.cluster,
    drift: m.drift,
    pending: c?.pendingCauses ?? [],
    lastError: c?.lastError ?? null,
    history: [...m.history],
  };
}

export type StatusDocument = ReturnType<typeof statusDocument>;

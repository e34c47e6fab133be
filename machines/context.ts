import type { Cause, ChangeAction, Mode } from './causes.js';
import type { ReconcileReport, ReloadBaseline, ReloadRecord } from './outputs.js';

export type ShutdownStyle = 'term' | 'lame-duck';

export interface SupervisorInput {
  mode: Mode;
  shutdown: ShutdownStyle;
  /** NATS_ROLLING_RESTART: a reload nats-server refuses is applied by a restart, one cluster member at a time. */
  rollingRestart?: boolean;
}

export interface ServerFacts {
  pid: number | null;
  alive: boolean;
  startedAt: string | null;
  restarts: number;
  crashes: number;
}

/**
 * Faults whose end the chart sees, so the last error naming one clears when it is gone (docs/contract.md:
 * Status surfaces): a mirror that works again, a nats-server ready or caught up after all, a reconcile that ran.
 */
export type ErrorSource = 'mirror' | 'notReady' | 'readiness' | 'reconcile' | 'crash' | 'dataAtRisk';

export interface SupervisorContext {
  mode: Mode;
  shutdown: ShutdownStyle;
  rollingRestart: boolean;
  server: ServerFacts;
  /** Causes seen and not yet taken by an action. Never dropped: see statechart.md. */
  pendingCauses: Cause[];
  /** Causes the action in progress took from pendingCauses. */
  activeCauses: Cause[];
  /** What the action in progress does with them, decided once when it takes them (causes.ts: decideAction). */
  action: ChangeAction | null;
  /** The JWT work (purge, claims push) is owed once the server is ready. */
  reconcileDue: boolean;
  /** Where nats-server's reload markers stood before the SIGHUP, so confirmation never counts an older one. */
  baseline: ReloadBaseline | null;
  /** The sha256 `nats-server -t` printed for the config about to be reloaded (2.11+); null before. */
  validatedDigest: string | null;
  lastReload: ReloadRecord | null;
  /** Why nats-server refused the reload a leaf restart now stands in for. */
  refusal: string | null;
  reloadCount: number;
  lastReconcile: ReconcileReport | null;
  /** Reconciles in a row that left a purge or a claims push undone: their retry backs off (timing.ts). */
  reconcileFailures: number;
  consecutiveCrashes: number;
  /** nats-server stopped writing to its JetStream store, in its words; null once a new nats-server runs. */
  storeFault: string | null;
  /** Restarts for a store fault in a row: each waits the crash backoff of this count after the spawn before it. */
  storeRecoveries: number;
  /** nats-server's full /healthz has passed since it last started: it has caught up (docs/contract.md: Readiness). */
  caughtUp: boolean;
  /** What nats-server still catches up on, while it has not. */
  catchingUp: string | null;
  /** Why this member does not leave yet, while it waits to be spared. */
  leaveBlocked: string | null;
  /** This member holds the cluster's restart lease: released once the restarted nats-server has caught up. */
  leaseHeld: boolean;
  /** Who holds the restart lease while this member waits for it. */
  leaseHolder: string | null;
  lastError: string | null;
  /** What fault `lastError` names, when one that goes away can clear it; null: it stays until replaced. */
  errorSource: ErrorSource | null;
  exitCode: number;
}

export function initialContext(input: SupervisorInput): SupervisorContext {
  return {
    mode: input.mode,
    shutdown: input.shutdown,
    rollingRestart: input.rollingRestart ?? false,
    server: { pid: null, alive: false, startedAt: null, restarts: 0, crashes: 0 },
    pendingCauses: [],
    activeCauses: [],
    action: null,
    reconcileDue: true,
    baseline: null,
    validatedDigest: null,
    lastReload: null,
    refusal: null,
    reloadCount: 0,
    lastReconcile: null,
    reconcileFailures: 0,
    consecutiveCrashes: 0,
    storeFault: null,
    storeRecoveries: 0,
    caughtUp: false,
    catchingUp: null,
    leaveBlocked: null,
    leaseHeld: false,
    leaseHolder: null,
    lastError: null,
    errorSource: null,
    exitCode: 0,
  };
}

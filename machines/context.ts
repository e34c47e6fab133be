import type { Cause, ChangeAction, Mode } from './causes.js';
import type { ReconcileReport, ReloadBaseline, ReloadRecord } from './outputs.js';

export type ShutdownStyle = 'term' | 'lame-duck';

export interface SupervisorInput {
  mode: Mode;
  shutdown: ShutdownStyle;
  /** NATS_ROLLING_RESTART: a reload nats-server refuses is applied by a restart, one cluster member at a time. */
  rollingRestart?: boolean;
}

/** The running nats-server's numbers; whether one runs is the state `server.up`. */
export interface ServerFacts {
  pid: number | null;
  startedAt: string | null;
  restarts: number;
  crashes: number;
}

/**
 * Faults whose end the chart sees, so the last error naming one clears when it is gone (docs/contract.md:
 * Status surfaces): a mirror that works again, a nats-server ready or caught up after all, a reconcile that ran.
 */
export type ErrorSource = 'mirror' | 'notReady' | 'readiness' | 'reconcile' | 'crash' | 'dataAtRisk';

/** What the chart remembers. What is true of the member now (up, caught up, holding the lease) is a state. */
export interface SupervisorContext {
  mode: Mode;
  shutdown: ShutdownStyle;
  rollingRestart: boolean;
  /** The first valid config made nats-server a cluster member: decided once, in `preparing`. */
  clustered: boolean;
  /** And the restart lease can be taken (NATS_RESTART_LEASE_CREDS in operator mode): decided with it. */
  leaseConfigured: boolean;
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
  /** What the wanted restart applies (the restart region), named in its outcome once nats-server has exited. */
  restartCauses: Cause[];
  /** Why nats-server refused the reload a restart now stands in for. */
  refusal: string | null;
  reloadCount: number;
  lastReconcile: ReconcileReport | null;
  /** Reconciles in a row that left a purge or a claims push undone: their retry backs off (timing.ts). */
  reconcileFailures: number;
  /** Times in a row a purge waiting for the cluster's mounts was asked again: each waits longer (timing.ts). */
  purgeAsks: number;
  consecutiveCrashes: number;
  /** In `server.up.store.faulted`: nats-server's words. */
  storeFault: string | null;
  /** Restarts for a store fault in a row: each waits the crash backoff of this count after the spawn before it. */
  storeRecoveries: number;
  /** In `server.up.catchUp.catchingUp`: what nats-server still catches up on. */
  catchingUp: string | null;
  /** In a `waitingToLeave`: why this member does not leave yet. */
  leaveBlocked: string | null;
  /** In `lease.waiting`: who holds the restart lease. */
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
    clustered: false,
    leaseConfigured: false,
    server: { pid: null, startedAt: null, restarts: 0, crashes: 0 },
    pendingCauses: [],
    activeCauses: [],
    action: null,
    reconcileDue: true,
    baseline: null,
    validatedDigest: null,
    lastReload: null,
    restartCauses: [],
    refusal: null,
    reloadCount: 0,
    lastReconcile: null,
    reconcileFailures: 0,
    purgeAsks: 0,
    consecutiveCrashes: 0,
    storeFault: null,
    storeRecoveries: 0,
    catchingUp: null,
    leaveBlocked: null,
    leaseHolder: null,
    lastError: null,
    errorSource: null,
    exitCode: 0,
  };
}

import type { Cause } from './causes.js';

export type WatchedCause = Exclude<Cause, 'signal' | 'store'>;
export type ForwardedSignal = 'SIGUSR1';
export type ServerSignal = 'SIGHUP' | 'SIGINT' | 'SIGTERM' | 'SIGKILL' | 'SIGUSR1' | 'SIGUSR2';

/** Everything the outside world tells the supervisor. Adapters in src/ produce these and nothing else. */
export type SupervisorEvent =
  | { type: 'FS_CHANGED'; cause: WatchedCause; paths: string[]; immediate?: boolean }
  | { type: 'RELOAD_REQUESTED' }
  | { type: 'FORWARD_SIGNAL'; signal: ForwardedSignal }
  | { type: 'SERVER_SPAWNED'; pid: number; at: string }
  | { type: 'SERVER_EXITED'; code: number | null; signal: string | null; uptimeMs: number; error?: string }
  /** `failure`: the supervisor itself failed; nats-server is stopped gracefully all the same, then exit 1. */
  | { type: 'SHUTDOWN'; signal: string; failure?: string }
  /** The chart's own, after a delay: a JWT mirror that failed is owed again. */
  | { type: 'RETRY_MIRROR' }
  /** The chart's own, after a delay: a reconcile that left a purge or a claims push undone is owed again. */
  | { type: 'RETRY_RECONCILE' }
  /** The chart's own: the lifecycle decided on a restart, which the restart region takes from here. */
  | { type: 'RESTART_WANTED' }
  /** The chart's own: a reload applied in full, so a restart wanted for an earlier refusal has nothing to apply. */
  | { type: 'RESTART_UNNEEDED' }
  /** The chart's own, after a delay: a change nats-server could not be asked about is owed again. */
  | { type: 'RETRY_APPLY'; causes: Cause[] }
  /** From the catch-up check: what nats-server still catches up on after a start (its own full /healthz). */
  | { type: 'CATCHING_UP'; reason: string }
  /** From the catch-up check: nats-server's full /healthz passed once since it started. */
  | { type: 'SERVER_CAUGHT_UP' }
  /**
   * From the spare check: why this member may not leave now (a stream would lose its quorum without it). `gone`:
   * the offline members every reason waits on (leaving or gone); empty when one waits on a member that is up.
   */
  | { type: 'LEAVE_BLOCKED'; reason: string; gone: string[] }
  /** From the spare check: the cluster can spare this member now. */
  | { type: 'SPARED' }
  /** nats-server logged that acked data on this member is at risk (a write error, an aborted catch-up). */
  | { type: 'DATA_AT_RISK'; message: string }
  /**
   * nats-server said it stopped writing to its JetStream store (a critical write error, JetStream disabled; on
   * 2.9 JetStream silent while nats-server answers and the store is full): a restart follows once the store has
   * room. `uptimeMs`: how long this nats-server had run.
   */
  | { type: 'STORE_FAILED'; message: string; uptimeMs: number }
  /**
   * From the store check: the store's file system has room again after STORE_FAILED. `wouldLose`: the acked
   * data a restart would throw away (R1 memory streams), or why that cannot be told; null when nothing.
   */
  | { type: 'STORE_HAS_ROOM'; freeBytes: number; wouldLose: string | null }
  /** From the control socket (`iofog-nats accept-loss`): an operator lets the held store-fault restart go ahead. */
  | { type: 'LOSS_ACCEPTED' }
  /** From the restart lease: this member holds it (the cluster's one restart at a time). */
  | { type: 'LEASE_TAKEN' }
  /** From the restart lease: another member holds it. */
  | { type: 'LEASE_WAITING'; holder: string };

/** What the machine tells the store check: nats-server said its store failed; look for room. */
export type StoreWatchCommand = { type: 'STORE_FAILED' };

/** What the machine tells the running nats-server process actor. */
export type ServerCommand = { type: 'SIGNAL'; signal: ServerSignal };

import type { Cause } from './causes.js';

/** Outputs of the one-shot effects the machine invokes. Expected failures are values, not errors. */
export interface Validation {
  valid: boolean;
  message: string;
  at: string;
  /** The config's sha256 as nats-server 2.11+ prints it (`sha256:…`); it reports the same in /varz once loaded. */
  digest?: string | null;
  /** Nothing was judged: nats-server could not be asked (out of file descriptors). The change is tried again. */
  deferred?: boolean;
  /** The config makes nats-server a cluster member; the first valid config decides it for the supervisor's life. */
  clustered?: boolean;
  /** A restart lease can be taken: a cluster member whose lease connection has the creds it needs. */
  restartLease?: boolean;
}

export interface ReloadBaseline {
  logSeq: number;
  configLoadTime: string | null;
  /** The config's log_file and how long it was before the SIGHUP; null when nats-server logs to stdout. */
  logFile?: { path: string; size: number } | null;
}

export interface ConfirmReloadInput {
  baseline: ReloadBaseline | null;
  digest: string | null;
}

export type ReloadOutcomeKind = 'applied' | 'restarted' | 'rejected' | 'unchanged';
export interface ReloadConfirmation {
  outcome: 'applied' | 'rejected';
  error: string | null;
  at: string;
}
/** `at` is null when the machine itself decided (a timeout): the observer in src/ stamps it. */
export interface ReloadRecord {
  at: string | null;
  causes: Cause[];
  outcome: ReloadOutcomeKind;
  error: string | null;
}

/** `pushAsWritten`: the server is ready and no signal follows, so claims may be pushed as files land. */
export interface SyncJwtInput {
  reason: 'startup' | 'change';
  pushAsWritten: boolean;
}

export interface JwtSyncReport {
  copied: string[];
  removed: string[];
  skipped: { name: string; reason: string }[];
  /** Accounts in the resolver dir the mount never held (added another way): left there, reported once. */
  foreign: string[];
  /** Why the mount gave nothing to mirror (missing, or no JWT file in it): normal outside operator mode, no fault. */
  empty?: string;
  /**
   * What is new about the record of the mount's accounts: why it could not be read or kept (the mirror works on
   * without it), or null once it is written again after a failed write; absent: nothing new.
   */
  recordFault?: string | null;
}

/** The chart's decision (`clustered`, made once from the first valid config): a purge then waits for the cluster. */
export interface ReconcileInput {
  clustered: boolean;
}

export interface ReconcileReport {
  at: string;
  purged: string[];
  pushed: number;
  failed: number;
  /** Accounts whose purge was due and failed (tried again with the reconcile). */
  purgeFailed: string[];
  /** Accounts that left this member's mount whose purge waits for the other members' mounts, and why. */
  purgeWaiting: { account: string; reasons: string[] }[];
  skipped: string | null;
}

export interface Ready {
  at: string;
}

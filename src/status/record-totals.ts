import type { ReconcileReport, ReloadOutcomeKind, ReloadRecord } from '../../machines/outputs.js';

/** Running totals that only grow, for /metrics. */
export interface Totals {
  reloadsByOutcome: Record<ReloadOutcomeKind, number>;
  purges: number;
  claimsPushed: number;
  claimsFailed: number;
  lastReloadAt: string | null;
}

/**
 * Counts each reload and reconcile record the chart keeps once, when it first appears, and stamps a reload
 * record the chart could not stamp (a timeout's) with the time it was seen.
 */
export class RecordTotals {
  readonly totals: Totals = {
    reloadsByOutcome: { applied: 0, restarted: 0, rejected: 0, unchanged: 0 },
    purges: 0,
    claimsPushed: 0,
    claimsFailed: 0,
    lastReloadAt: null,
  };
  private lastReloadSeen: ReloadRecord | null = null;
  private lastReconcileSeen: ReconcileReport | null = null;

  /** The records that are new since the last look, each null when it is not. */
  count(lastReload: ReloadRecord | null, lastReconcile: ReconcileReport | null, now: Date): { reload: ReloadRecord | null; reconcile: ReconcileReport | null } {
    const reload = lastReload && lastReload !== this.lastReloadSeen ? lastReload : null;
    const reconcile = lastReconcile && lastReconcile !== this.lastReconcileSeen ? lastReconcile : null;
    this.lastReloadSeen = lastReload;
    this.lastReconcileSeen = lastReconcile;
    if (reload) {
      this.totals.reloadsByOutcome[reload.outcome] += 1;
      this.totals.lastReloadAt = reload.at ?? now.toISOString();
    }
    if (reconcile) {
      this.totals.purges += reconcile.purged.length;
      this.totals.claimsPushed += reconcile.pushed;
      this.totals.claimsFailed += reconcile.failed;
    }
    return { reload, reconcile };
  }
}

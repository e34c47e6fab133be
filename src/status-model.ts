import { EventEmitter } from 'node:events';
import type { AnyEventObject, SnapshotFrom } from 'xstate';
import type { ReconcileReport, ReloadOutcomeKind, ReloadRecord } from '../machines/outputs.js';
import type { supervisorMachine } from '../machines/supervisor.js';
import { statePath } from './state-path.js';

type Snapshot = SnapshotFrom<typeof supervisorMachine>;

export interface Transition { at: string; state: string; event: string }

/** Running totals that only grow, for /metrics. */
export interface Totals {
  reloadsByOutcome: Record<ReloadOutcomeKind, number>;
  purges: number;
  claimsPushed: number;
  claimsFailed: number;
  lastReloadAt: string | null;
}

const HISTORY_LIMIT = 50;

// nats-server is up and has passed readiness in every state but these.
const NOT_READY = /^(waitingForConfig|preparing|starting|backingOff|stopping|stopped|failed|restarting\.(stoppingServer|killingServer))/;

/**
 * What `inspect`, GET /state and /metrics show: the chart's facts plus the transitions seen from outside.
 * It stamps times the chart could not know (a timeout's reload record) and emits each transition.
 */
export class StatusModel extends EventEmitter<{ transition: [Transition] }> {
  readonly history: Transition[] = [];
  readonly totals: Totals = {
    reloadsByOutcome: { applied: 0, restarted: 0, rejected: 0, unchanged: 0 },
    purges: 0, claimsPushed: 0, claimsFailed: 0, lastReloadAt: null,
  };
  private snapshot: Snapshot | null = null;
  private lastState = '';
  private lastReloadSeen: ReloadRecord | null = null;
  private lastReconcileSeen: ReconcileReport | null = null;

  get state(): string {
    return this.lastState;
  }

  get ready(): boolean {
    return this.lastState !== '' && !NOT_READY.test(this.lastState);
  }

  get context() {
    return this.snapshot?.context ?? null;
  }

  /** Feeds one snapshot; returns the transition when the active state changed. */
  observe(snapshot: Snapshot, event: AnyEventObject, now = new Date()): Transition | null {
    this.snapshot = snapshot;
    this.countNewRecords(snapshot, now);
    const state = statePath(snapshot.value);
    if (state === this.lastState) return null;
    this.lastState = state;
    const transition = { at: now.toISOString(), state, event: event.type };
    this.history.push(transition);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    this.emit('transition', transition);
    return transition;
  }

  private countNewRecords(snapshot: Snapshot, now: Date): void {
    const { lastReload, lastReconcile } = snapshot.context;
    if (lastReload && lastReload !== this.lastReloadSeen) {
      this.totals.reloadsByOutcome[lastReload.outcome] += 1;
      this.totals.lastReloadAt = lastReload.at ?? now.toISOString();
    }
    this.lastReloadSeen = lastReload;
    if (lastReconcile && lastReconcile !== this.lastReconcileSeen) {
      this.totals.purges += lastReconcile.purged.length;
      this.totals.claimsPushed += lastReconcile.pushed;
      this.totals.claimsFailed += lastReconcile.failed;
    }
    this.lastReconcileSeen = lastReconcile;
  }

  /** The contract's `inspect --json` / GET /state document. */
  toJSON() {
    const c = this.snapshot?.context;
    return {
      state: this.lastState,
      mode: c?.mode ?? null,
      server: {
        pid: c?.server.pid ?? null,
        startedAt: c?.server.startedAt ?? null,
        restarts: c?.server.restarts ?? 0,
        crashes: c?.server.crashes ?? 0,
        ready: this.ready,
      },
      reloads: {
        count: c?.reloadCount ?? 0,
        last: c?.lastReload ? { ...c.lastReload, at: this.totals.lastReloadAt } : null,
      },
      reconcile: { last: c?.lastReconcile ?? null },
      pending: c?.pendingCauses ?? [],
      lastError: c?.lastError ?? null,
      history: [...this.history],
    };
  }
}

export type StatusDocument = ReturnType<StatusModel['toJSON']>;

import type { AnyEventObject, SnapshotFrom } from 'xstate';
import type { ReloadRecord } from '../machines/outputs.js';
import type { supervisorMachine } from '../machines/supervisor.js';
import { statePath } from './state-path.js';

type Snapshot = SnapshotFrom<typeof supervisorMachine>;

export interface Transition { at: string; state: string; event: string }

const HISTORY_LIMIT = 50;

/**
 * What `inspect` and GET /state show: the chart's facts plus the transitions seen from outside.
 * It stamps times the chart could not know (a timeout's reload record).
 */
export class StatusModel {
  readonly history: Transition[] = [];
  private snapshot: Snapshot | null = null;
  private lastState = '';
  private lastReloadSeen: ReloadRecord | null = null;
  private lastReloadAt: string | null = null;

  /** Feeds one snapshot; returns the transition when the active state changed. */
  observe(snapshot: Snapshot, event: AnyEventObject, now = new Date()): Transition | null {
    this.snapshot = snapshot;
    const reload = snapshot.context.lastReload;
    if (reload !== this.lastReloadSeen) {
      this.lastReloadSeen = reload;
      this.lastReloadAt = reload?.at ?? now.toISOString();
    }
    const state = statePath(snapshot.value);
    if (state === this.lastState) return null;
    this.lastState = state;
    const transition = { at: now.toISOString(), state, event: event.type };
    this.history.push(transition);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    return transition;
  }

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
      },
      reloads: { count: c?.reloadCount ?? 0, last: c?.lastReload ? { ...c.lastReload, at: this.lastReloadAt } : null },
      reconcile: { last: c?.lastReconcile ?? null },
      pending: c?.pendingCauses ?? [],
      lastError: c?.lastError ?? null,
      history: [...this.history],
    };
  }
}

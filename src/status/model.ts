import { EventEmitter } from 'node:events';
import type { AnyEventObject, SnapshotFrom } from 'xstate';
import type { ReconcileReport, ReloadRecord } from '../../machines/outputs.js';
import type { Health } from '../nats-server/monitor.js';
import type { GoMemLimit } from '../nats-server/memory-limit.js';
import { ASK_TIMEOUT_MS } from '../nats-server/monitor-poll.js';
import type { LeafView, FeedPort } from './feed-port.js';
import type { ClusterView } from '../cluster/cluster-view.js';
import { describeDrift, type DriftReport } from './drift.js';
import type { RawDrift } from '../watch/file-watcher.js';
import { eventWords, type EventWordsOptions } from './event-words.js';
import type { supervisorMachine } from '../../machines/supervisor.js';
import { memberStates, regionPaths, statePath, type MemberStates } from '../util/state-path.js';
import { ENV_DEFAULTS } from '../defaults.js';
import { redact } from '../util/redact.js';
import { redactDeep } from '../util/redact-deep.js';
import { statusDocument, type StatusDocument, type Transition } from './status-document.js';
import { RecordTotals, type Totals } from './record-totals.js';

export type { StatusDocument, Transition } from './status-document.js';

type Snapshot = SnapshotFrom<typeof supervisorMachine>;

/** What one snapshot brought: each field null when nothing of that kind is new. */
export interface Observation {
  transition: Transition | null;
  reload: ReloadRecord | null;
  reconcile: ReconcileReport | null;
}

const HISTORY_LIMIT = 50;
/** 32 `inspect --follow` clients, 32 event streams, and the health and leaf feedes. */
export const MAX_TRANSITION_LISTENERS = 70;

/** What the model is told from elsewhere in the supervisor; each has a default where it is not (tests). */
export interface StatusSources {
  words?: EventWordsOptions;
  /** What is mounted against what nats-server runs, per cause (the file watcher knows both). */
  drift?: () => RawDrift[];
  /** nats-server's GOMEMLIMIT and where it came from, decided at start. */
  goMemLimit?: GoMemLimit | null;
  /** The running config's files, hashed (fleet views compare it across members); null before nats-server runs one. */
  configDigest?: () => string | null;
  /** How a stop will go, in words (it follows the config's lame duck settings). */
  stopPlan?: () => string | null;
}

/**
 * What `inspect`, GET /state and /metrics show: the chart's facts plus the transitions seen from outside.
 * It stamps times the chart could not know (a timeout's reload record) and emits each transition.
 */
export class StatusModel extends EventEmitter<{ transition: [Transition]; member: [] }> implements FeedPort {
  readonly history: Transition[] = [];
  private readonly records = new RecordTotals();
  readonly totals: Totals = this.records.totals;
  private snapshot: Snapshot | null = null;
  private lastState = '';
  private lastRegions = '';
  /** nats-server's own word on its health; null while it is not up or not asked yet. */
  health: Health | null = null;
  private unansweredSince: number | null = null;
  /** What the running nats-server says it is (/varz); null while it is not up or not asked yet. */
  serverVersion: string | null = null;

  /** The leaf remotes nats-server is configured with and which are connected; null without any. */
  leaf: LeafView | null = null;
  /** This member's view of its cluster; null when it is not a cluster member or not up. */
  cluster: ClusterView | null = null;
  /** What the model is told from elsewhere, defaults filled in. */
  readonly sources: Required<StatusSources>;

  constructor(sources: StatusSources = {}) {
    super();
    this.sources = {
      words: { debounceMs: ENV_DEFAULTS.NATS_RELOAD_DEBOUNCE_MS },
      drift: () => [],
      goMemLimit: null,
      configDigest: () => null,
      stopPlan: () => null,
      ...sources,
    };
    // Every follower and event stream listens here; the surfaces cap those, so node's default of 10
    // would only print a non-JSON warning to stderr.
    this.setMaxListeners(MAX_TRANSITION_LISTENERS);
  }

  get state(): string {
    return this.lastState;
  }

  /** The chart tags the states in which nats-server is up and has passed readiness. */
  get ready(): boolean {
    return this.snapshot?.hasTag('serverReady') ?? false;
  }

  get clustered(): boolean {
    return this.snapshot?.context.clustered ?? false;
  }

  /** What is true of the member, a word per region of the chart; null before it supervises nats-server. */
  get member(): MemberStates | null {
    return this.snapshot ? memberStates(this.snapshot.value) : null;
  }

  /** nats-server's full /healthz has passed since it started: it has caught up with its cluster. */
  get caughtUp(): boolean {
    return this.member?.catchUp === 'caughtUp';
  }

  /**
   * The chart says the member is ready (serving, caught up, its store writing), and nats-server has not said it
   * is unhealthy since: what the status server's /healthz answers (docs/contract.md, Readiness).
   */
  get healthy(): boolean {
    return (this.snapshot?.hasTag('ready') ?? false) && this.health?.healthy !== false;
  }

  /** nats-server stopped writing to its JetStream store; null when it has not (docs/faults.md: a full store disk). */
  get storeFault(): string | null {
    return this.member?.store?.startsWith('faulted') ? (this.snapshot?.context.storeFault ?? 'store faulted') : null;
  }

  /** Why /healthz says no, in the operator's words; null when it says yes. */
  get notHealthyBecause(): string | null {
    const c = this.snapshot?.context;
    if (!this.ready) return this.member?.server === 'up' ? 'nats-server is not ready yet' : 'nats-server is not running';
    if (!this.caughtUp) return `catching up: ${c?.catchingUp ?? 'nats-server has not passed its full /healthz yet'}`;
    if (this.storeFault) return `JetStream store: ${this.storeFault}; nats-server restarts once the store has room`;
    if (this.health?.healthy === false) return this.health.reason ?? 'nats-server says it is unhealthy';
    return null;
  }

  get drift(): DriftReport {
    return describeDrift(this.sources.drift(), this.snapshot?.context ?? null, this.lastState);
  }

  setHealth(health: Health | null): void {
    this.health = health;
    this.unansweredSince = null;
  }

  /**
   * A health question got no answer by its deadline: nats-server is slow (a long /jsz, a starved CPU, SIGSTOP).
   * Shown, never acted on: its last word on its health stands (docs/faults.md).
   */
  setUnanswered(at: number): void {
    this.unansweredSince ??= at;
  }

  /** Since when nats-server has not answered its monitoring port in time, in the operator's words; null when it has. */
  get slow(): string | null {
    if (this.unansweredSince === null || !this.ready) return null;
    const s = Math.round((Date.now() - this.unansweredSince) / 1000);
    return `nats-server has not answered its monitoring port within ${ASK_TIMEOUT_MS / 1000} s for ${s} s (slow, not down: nothing is done about it)`;
  }

  setServerVersion(version: string | null): void {
    this.serverVersion = version;
  }

  setLeaf(view: LeafView | null): void {
    this.leaf = view;
  }

  setCluster(view: ClusterView | null): void {
    this.cluster = view;
  }

  get context() {
    return this.snapshot?.context ?? null;
  }

  get lastReload(): ReloadRecord | null {
    return this.snapshot?.context.lastReload ?? null;
  }

  /** Feeds one snapshot; says what is new in it: the transition (if the state changed) and new records. */
  observe(snapshot: Snapshot, event: AnyEventObject, now = new Date()): Observation {
    this.snapshot = snapshot;
    const { reload, reconcile } = this.records.count(snapshot.context.lastReload, snapshot.context.lastReconcile, now);
    const regions = regionPaths(snapshot.value).join(' ');
    // A region's change is no step of the lifecycle: the page is told, the history is not.
    if (regions !== this.lastRegions) {
      this.lastRegions = regions;
      this.tell('member');
    }
    const state = statePath(snapshot.value);
    if (state === this.lastState) return { transition: null, reload, reconcile };
    this.lastState = state;
    const transition = { at: now.toISOString(), state, event: event.type, what: redact(eventWords(event, this.sources.words)) };
    this.history.push(transition);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    this.tell('transition', transition);
    return { transition, reload, reconcile };
  }

  /**
   * Each listener on its own: observe() runs inside the chart's inspection, and a surface that throws (a follower's
   * connection gone) must not stop the chart. One did once: a purge never ran.
   */
  private tell(...[name, ...args]: ['member'] | ['transition', Transition]): void {
    for (const listener of this.listeners(name) as ((...a: unknown[]) => void)[]) {
      try {
        listener(...args);
      } catch {
        // The surface's own loss; the chart goes on.
      }
    }
  }

  /** The regions' active states as the chart's paths. */
  get regions(): string[] {
    return this.snapshot ? regionPaths(this.snapshot.value) : [];
  }

  /**
   * The `inspect --json` / GET /state document (docs/contract.md: Status surfaces), every string in it redacted:
   * what reaches a surface is never left to each field to remember.
   */
  toJSON(): StatusDocument {
    return redactDeep(statusDocument(this)) as StatusDocument;
  }
}

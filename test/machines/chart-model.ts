import type { AnyStateNode, AnyTransitionDefinition, EventObject } from 'xstate';
import { decideAction } from '../../machines/causes.js';
import type { SupervisorEvent } from '../../machines/events.js';
import type { ReconcileReport, Validation } from '../../machines/outputs.js';
import { supervisorMachine } from '../../machines/supervisor.js';
import { inState, type Snapshot } from './harness.js';

export type AnyEvent = SupervisorEvent | (EventObject & Record<string, unknown>);

export function allStateNodes(node: AnyStateNode = supervisorMachine.root): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => allStateNodes(child))];
}

/** Every transition the chart defines, eventless ones included, with a readable key. */
export function allTransitions(): { key: string; def: AnyTransitionDefinition }[] {
  return allStateNodes().flatMap((node) => {
    const evented = [...node.transitions.values()].flat();
    return [...evented, ...(node.always ?? [])].map((def) => ({ key: transitionKey(def), def }));
  });
}

/**
 * A transition's key, with its place among its source's transitions for the same event: two transitions
 * written alike stay two, so one written twice shows as never taken.
 */
export function transitionKey(def: AnyTransitionDefinition): string {
  const guard = def.guard ? ` [${typeof def.guard === 'object' && 'type' in def.guard ? String(def.guard.type) : 'inline'}]` : '';
  const targets = def.target?.map((t) => t.id).join(',') ?? '(none)';
  const siblings = def.eventType ? def.source.transitions.get(def.eventType) : def.source.always;
  return `${def.source.id} --${def.eventType || 'always'}${guard}#${siblings?.indexOf(def) ?? -1}--> ${targets}`;
}

const AT = '2026-01-01T00:00:00.000Z';
const valid: Validation = { valid: true, message: 'ok', at: AT };
const validMember: Validation = { ...valid, clustered: true, restartLease: true };
const validMemberNoLease: Validation = { ...valid, clustered: true, restartLease: false };
const invalid: Validation = { valid: false, message: 'bad', at: AT };
const notAsked: Validation = { valid: false, message: 'EMFILE', at: AT, deferred: true };
export const report: ReconcileReport = { at: AT, purged: [], purgeFailed: [], purgeWaiting: [], pushed: 0, failed: 0, skipped: null };
const incomplete: ReconcileReport = { ...report, failed: 1 };
/** A reconcile whose purge waits for another member's mount: offered on side trips only (transitions-coverage). */
export const purgeWaits: ReconcileReport = { ...report, purgeWaiting: [{ account: 'A', reasons: ["n2's mount still holds it"] }] };
export const reconcileDone = (output: ReconcileReport): AnyEvent => ({ type: 'xstate.done.actor.reconcile', output, actorId: 'reconcile' });

/** Outputs each invoked effect can finish with: every branch of every onDone. */
const OUTPUTS: Record<string, unknown[]> = {
  configExists: [true, false],
  checkChanges: [['config'], ['tls'], ['jwt'], ['creds'], []],
  syncJwt: [{ copied: [], removed: [], skipped: [], foreign: [] }],
  validateConfig: [valid, invalid, notAsked],
  makeLeaseBucket: [undefined],
  waitReady: [{ at: AT }],
  reloadBaseline: [{ logSeq: 0, configLoadTime: null }],
  confirmReload: [
    { outcome: 'applied', error: null, at: AT },
    { outcome: 'rejected', error: 'no', at: AT },
  ],
  reconcile: [report, incomplete],
};

const EXTERNAL: SupervisorEvent[] = [
  { type: 'FS_CHANGED', cause: 'config', paths: [] },
  { type: 'FS_CHANGED', cause: 'tls', paths: [] },
  { type: 'FS_CHANGED', cause: 'jwt', paths: [] },
  { type: 'FS_CHANGED', cause: 'creds', paths: [] },
  { type: 'FS_CHANGED', cause: 'config', paths: [], immediate: true },
  { type: 'RELOAD_REQUESTED' },
  { type: 'FORWARD_SIGNAL', signal: 'SIGUSR1' },
  { type: 'SERVER_SPAWNED', pid: 7, at: AT },
  { type: 'SERVER_EXITED', code: 1, signal: null, uptimeMs: 5 },
  { type: 'SHUTDOWN', signal: 'SIGTERM' },
  { type: 'RETRY_MIRROR' },
  { type: 'RETRY_APPLY', causes: ['config'] },
  { type: 'CATCHING_UP', reason: 'stream MEM is not current' },
  { type: 'SERVER_CAUGHT_UP' },
  { type: 'LEAVE_BLOCKED', reason: 'stream MEM would lose its quorum', gone: [] },
  { type: 'LEAVE_BLOCKED', reason: 'stream MEM would lose its quorum; offline: n2', gone: ['n2'] },
  { type: 'SPARED' },
  { type: 'DATA_AT_RISK', message: 'JetStream out of File resources, will be DISABLED' },
  { type: 'LEASE_TAKEN' },
  { type: 'LEASE_WAITING', holder: 'n2' },
];

/**
 * The store's events have one root transition each, whose guards read only the server's life and the fault:
 * offered where both answers of each guard are found, not everywhere (the graph would not fit in the heap).
 */
const STORE_EVENTS: SupervisorEvent[] = [
  { type: 'STORE_FAILED', message: 'Critical write error', uptimeMs: 5 },
  { type: 'STORE_HAS_ROOM', freeBytes: 1, wouldLose: null },
  { type: 'STORE_HAS_ROOM', freeBytes: 1, wouldLose: 'the messages of its R1 memory streams: $G > MEM (5 messages)' },
  { type: 'LOSS_ACCEPTED' },
  // Raised only after a reconcile that failed in part; offered where it starts one, as the store's events.
  { type: 'RETRY_RECONCILE' },
];

/**
 * A server is walked as a cluster member (with NATS_ROLLING_RESTART: every lease path), a leaf as a standalone
 * server: between them both sides of every `clustered` guard.
 */
function outputsOf(s: Snapshot, id: string): unknown[] {
  const outputs = OUTPUTS[id] ?? [];
  if (id !== 'validateConfig' || s.context.mode !== 'server') return outputs;
  // A member with no lease (operator mode without its creds) is walked too, from the first validation only.
  const first = s.matches('preparing') ? [validMemberNoLease] : [];
  return [...outputs.map((o) => (o === valid ? validMember : o)), ...first];
}

/** External events plus, for the invokes and delays active in `s`, their done/error/after events. */
export function eventsFor(s: Snapshot): AnyEvent[] {
  const events: AnyEvent[] = [...EXTERNAL, ...(inState(s, { running: 'idle' }) || inState(s, 'backingOff') ? STORE_EVENTS : [])];
  for (const node of s._nodes) {
    for (const inv of node.invoke) {
      for (const output of outputsOf(s, inv.id)) events.push({ type: `xstate.done.actor.${inv.id}`, output, actorId: inv.id });
      events.push({ type: `xstate.error.actor.${inv.id}`, error: new Error('boom'), actorId: inv.id });
    }
    for (const type of node.transitions.keys()) if (type.startsWith('xstate.after.')) events.push({ type });
  }
  return events;
}

/**
 * The readiness region follows from the others, and the store's state is read only where its events are offered
 * (running.idle): elsewhere both are left out, or the graph would not fit in the heap.
 */
function withoutDerived(s: Snapshot): unknown {
  const value = s.value as { supervising?: { readiness?: unknown; server?: { up?: { store?: unknown } } } };
  if (!value.supervising) return value;
  const { readiness: _readiness, ...regions } = value.supervising;
  const up = regions.server?.up;
  if (!up || inState(s, { running: 'idle' })) return { supervising: regions };
  const { store: _store, ...rest } = up;
  return { supervising: { ...regions, server: { up: rest } } };
}

/** Guards read only these facts, so two snapshots equal here behave alike. */
export function serializeForGraph(s: Snapshot): string {
  const c = s.context;
  return JSON.stringify({
    value: withoutDerived(s),
    status: s.status,
    decision: c.pendingCauses.length ? decideAction(c.mode, c.pendingCauses) : null,
    jwtPending: c.pendingCauses.includes('jwt'),
    active: c.activeCauses.length ? decideAction(c.mode, c.activeCauses) : null,
    jwtActive: c.activeCauses.includes('jwt'),
    action: c.action,
    reconcileDue: c.reconcileDue,
    crashes: c.consecutiveCrashes,
    clustered: c.clustered,
    leaseConfigured: c.leaseConfigured,
    rollingRestart: c.rollingRestart,
  });
}

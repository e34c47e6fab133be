import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { getMicrosteps, initialTransition, transition, type AnyTransitionDefinition } from 'xstate';
import type { Mode } from '../../machines/causes.js';
import { supervisorMachine } from '../../machines/supervisor.js';
import { allStateNodes, allTransitions, eventsFor, purgeWaits, reconcileDone, report, serializeForGraph, transitionKey, type AnyEvent } from './chart-model.js';
import { inState, type Snapshot } from './harness.js';

const MODES: Mode[] = ['server', 'leaf'];
// Server mode with NATS_ROLLING_RESTART, leaf mode without: between them every restart path is walked.
const inputOf = (mode: Mode) => ({ mode, shutdown: 'term' as const, rollingRestart: mode === 'server' });

interface Step {
  from: Snapshot;
  event: AnyEvent;
  microsteps: Snapshot[];
}

/** Events the chart raises to itself: taken in a microstep of the step that raised them. */
const RAISED = new Set(['RESTART_WANTED', 'RESTART_UNNEEDED']);

/**
 * What a state settles through without an outside event: its eventless transitions, its compound states' onDone
 * and the events the chart raises to itself.
 */
function settlingTransitions(s: Snapshot): AnyTransitionDefinition[] {
  const settles = (type: string) => type.startsWith('xstate.done.state.') || RAISED.has(type);
  return s._nodes.flatMap((n) => [...(n.always ?? []), ...[...n.transitions.entries()].filter(([type]) => settles(type)).flatMap(([, defs]) => defs)]);
}

/** Which definitions fire for one step: the evented ones, then the eventless and onDone ones it settles through. */
function firedTransitions({ from, event, microsteps }: Step): AnyTransitionDefinition[] {
  const fired = supervisorMachine.getTransitionData(from as never, event as never);
  const chain = [from, ...microsteps];
  for (let i = 1; i + 1 < chain.length; i++) {
    const [s, next] = [chain[i]!, chain[i + 1]!];
    const taken = settlingTransitions(s).filter((t) => t.target?.every((target) => next._nodes.includes(target)));
    fired.push(...taken);
  }
  return fired;
}

interface Walk {
  covered: Set<string>;
  reached: Set<string>;
  /** Every reachable state, once each (as serializeForGraph tells them apart). */
  states: Snapshot[];
}

/** Takes one step from `s`, marking what it fires and enters; the state it settles in. */
function step(s: Snapshot, event: AnyEvent, walked: Pick<Walk, 'covered' | 'reached'>): Snapshot | undefined {
  const microsteps = getMicrosteps(supervisorMachine, s, event as never).map(([m]) => m as Snapshot);
  for (const def of firedTransitions({ from: s, event, microsteps })) walked.covered.add(transitionKey(def));
  for (const m of microsteps) for (const n of m._nodes) walked.reached.add(n.id);
  return microsteps.at(-1);
}

const afterEvent = (s: Snapshot): AnyEvent | undefined => {
  const type = s._nodes.flatMap((n) => [...n.transitions.keys()]).find((t) => t.startsWith('xstate.after.') && t.includes('purgeAskAgain'));
  return type ? { type } : undefined;
};

/**
 * The purge region on a side trip from a state that reconciles: a reconcile whose purge waits, its ask again,
 * the next reconcile settling it. Not queued: walked whole, the region doubled the graph and the walk's time.
 */
function purgeTrip(s: Snapshot, walked: Pick<Walk, 'covered' | 'reached'>): void {
  if (!s.children.reconcile) return;
  const waiting = step(s, reconcileDone(purgeWaits), walked);
  const after = waiting && afterEvent(waiting);
  let asked = after && step(waiting, after, walked);
  if (asked?.children.waitReady) asked = step(asked, { type: 'xstate.done.actor.waitReady', output: { at: 'now' }, actorId: 'waitReady' }, walked);
  if (asked?.children.reconcile) step(asked, reconcileDone(report), walked);
}

/**
 * Breadth first over every state reachable in one mode, each edge walked once through its microsteps; only the
 * states are kept (an adjacency map that holds every edge's snapshot needs gigabytes with the regions).
 */
function walk(mode: Mode): Walk {
  const [first] = initialTransition(supervisorMachine, inputOf(mode) as never) as unknown as [Snapshot];
  const seen = new Map<string, Snapshot>([[serializeForGraph(first), first]]);
  const queue = [first];
  const covered = new Set<string>();
  const reached = new Set<string>();
  for (let s = queue.shift(); s; s = queue.shift()) {
    purgeTrip(s, { covered, reached });
    for (const event of eventsFor(s)) {
      const next = step(s, event, { covered, reached });
      const key = next && serializeForGraph(next);
      if (next && key && !seen.has(key)) {
        seen.set(key, next);
        queue.push(next);
      }
    }
  }
  return { covered, reached, states: [...seen.values()] };
}

let walks: Walk[] = [];
/** Every state reachable in either mode, once each. */
let reachable: Snapshot[] = [];

describe('supervisor statechart: every transition is reachable', () => {
  before(() => {
    walks = MODES.map(walk);
    reachable = walks.flatMap((w) => w.states);
  });

  it('when every edge of the reachable graph is walked in both modes then every defined transition fires', () => {
    const covered = new Set(walks.flatMap((w) => [...w.covered]));
    const missing = allTransitions()
      .map((t) => t.key)
      .filter((k) => !covered.has(k));
    assert.deepEqual(missing, [], `transitions never taken:\n${missing.join('\n')}`);
  });

  it('when every edge is walked then every state node is entered, transient ones included', () => {
    const reached = new Set(walks.flatMap((w) => [...w.reached]));
    const unreached = allStateNodes()
      .map((n) => n.id)
      .filter((id) => !reached.has(id));
    assert.deepEqual(unreached, []);
  });

  it('when the reachable states are enumerated then both final states are among them', () => {
    for (const mode of MODES) {
      const ends = reachable.filter((s) => (s.context as { mode: Mode }).mode === mode);
      assert.ok(
        ends.some((s) => inState(s, 'stopped')),
        `${mode}: stopped reachable`,
      );
      assert.ok(
        ends.some((s) => inState(s, 'failed')),
        `${mode}: failed reachable`,
      );
    }
  });

  it('when SHUTDOWN reaches a live state then, once supervising, it goes through stopping and a server exit ends it; before, straight to stopped', () => {
    const live = reachable.filter((s) => s.status === 'active');
    assert.ok(live.length > 20);
    for (const state of live) {
      const path = getMicrosteps(supervisorMachine, state, { type: 'SHUTDOWN', signal: 'SIGTERM' }).map(([s]) => s);
      const [last] = path.slice(-1);
      const where = serializeForGraph(state);
      if (!state.matches('supervising')) {
        assert.ok(inState(last!, 'stopped'), `SHUTDOWN before nats-server runs, from ${where}, ends in ${JSON.stringify(last!.value)}`);
        continue;
      }
      assert.ok(
        path.some((s) => inState(s, 'stopping')),
        `SHUTDOWN from ${where} skips stopping`,
      );
      if (inState(last!, 'stopped')) continue;
      assert.ok(inState(last!, 'stopping'), `SHUTDOWN from ${where} ends in ${JSON.stringify(last!.value)}`);
      const [afterExit] = transition(supervisorMachine, last!, { type: 'SERVER_EXITED', code: 0, signal: null, uptimeMs: 1 });
      assert.ok(inState(afterExit, 'stopped'), `server exit while stopping from ${where}`);
    }
  });
});

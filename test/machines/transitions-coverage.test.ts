import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { getMicrosteps, transition, type AnyTransitionDefinition } from 'xstate';
import { getAdjacencyMap, type AdjacencyMap } from 'xstate/graph';
import type { Mode } from '../../machines/causes.js';
import { supervisorMachine } from '../../machines/supervisor.js';
import { allStateNodes, allTransitions, eventsFor, serializeForGraph, transitionKey, type AnyEvent } from './chart-model.js';
import type { Snapshot } from './harness.js';

const MODES: Mode[] = ['server', 'leaf'];

const options = (mode: Mode) => ({
  // Server mode with NATS_ROLLING_RESTART, leaf mode without: between them every restart path is walked.
  input: { mode, shutdown: 'term' as const, rollingRestart: mode === 'server' },
  events: (s: Snapshot) => eventsFor(s) as never[],
  serializeState: (s: Snapshot) => serializeForGraph(s),
  serializeEvent: (e: AnyEvent) => JSON.stringify(e),
  limit: 1_000_000,
});

interface Step {
  from: Snapshot;
  event: AnyEvent;
  microsteps: Snapshot[];
}

/** What a state settles through without an outside event: its eventless transitions and its compound states' onDone. */
function settlingTransitions(s: Snapshot): AnyTransitionDefinition[] {
  return s._nodes.flatMap((n) => [
    ...(n.always ?? []),
    ...[...n.transitions.entries()].filter(([type]) => type.startsWith('xstate.done.state.')).flatMap(([, defs]) => defs),
  ]);
}

/** Which definitions fire for one step: the evented one, then the eventless and onDone ones it settles through. */
function firedTransitions({ from, event, microsteps }: Step): AnyTransitionDefinition[] {
  const fired = supervisorMachine.getTransitionData(from as never, event as never);
  const chain = [from, ...microsteps];
  for (let i = 1; i + 1 < chain.length; i++) {
    const [s, next] = [chain[i]!, chain[i + 1]!];
    const taken = settlingTransitions(s).find((t) => t.target?.every((target) => next._nodes.includes(target)));
    if (taken) fired.push(taken);
  }
  return fired;
}

let steps: Step[] = [];
/** Every state reachable in either mode, once each (an edge's `from` repeats once per event). */
let reachable: Snapshot[] = [];

describe('supervisor statechart: every transition is reachable (xstate/graph)', () => {
  before(() => {
    const adjacency = MODES.map((mode) => getAdjacencyMap(supervisorMachine, options(mode)) as unknown as AdjacencyMap<Snapshot, AnyEvent>);
    reachable = adjacency.flatMap((map) => Object.values(map).map(({ state }) => state));
    steps = adjacency.flatMap((map) =>
      Object.values(map).flatMap(({ state, transitions }) =>
        Object.values(transitions as Record<string, { event: AnyEvent }>).map(({ event }) => ({
          from: state,
          event,
          microsteps: getMicrosteps(supervisorMachine, state, event as never).map(([s]) => s),
        })),
      ),
    );
  });

  it('when every edge of the adjacency map is walked in both modes then every defined transition fires', () => {
    const covered = new Set(steps.flatMap((step) => firedTransitions(step).map((def) => transitionKey(def))));
    const missing = allTransitions()
      .map((t) => t.key)
      .filter((k) => !covered.has(k));
    assert.deepEqual(missing, [], `transitions never taken:\n${missing.join('\n')}`);
  });

  it('when every edge is walked then every state node is entered, transient ones included', () => {
    const reached = new Set(steps.flatMap((s) => s.microsteps.flatMap((m) => m._nodes.map((n) => n.id))));
    const unreached = allStateNodes()
      .map((n) => n.id)
      .filter((id) => !reached.has(id));
    assert.deepEqual(unreached, []);
  });

  // The adjacency map holds every reachable state, the ends of getShortestPaths' paths (which would build the same
  // map again: 31 s of the 211 this file took).
  it('when the reachable states are enumerated then both final states are among them', () => {
    for (const mode of MODES) {
      const ends = reachable.filter((s) => (s.context as { mode: Mode }).mode === mode);
      assert.ok(
        ends.some((s) => s.matches('stopped')),
        `${mode}: stopped reachable`,
      );
      assert.ok(
        ends.some((s) => s.matches('failed')),
        `${mode}: failed reachable`,
      );
    }
  });

  it('when SHUTDOWN reaches any live state then the chart goes through stopping and a server exit ends it in stopped', () => {
    const live = reachable.filter((s) => s.status === 'active');
    assert.ok(live.length > 20);
    for (const state of live) {
      const path = getMicrosteps(supervisorMachine, state, { type: 'SHUTDOWN', signal: 'SIGTERM' }).map(([s]) => s);
      const [last] = path.slice(-1);
      const where = serializeForGraph(state);
      assert.ok(
        path.some((s) => s.matches('stopping')),
        `SHUTDOWN from ${where} skips stopping`,
      );
      if (last!.matches('stopped')) continue;
      assert.ok(last!.matches('stopping'), `SHUTDOWN from ${where} ends in ${JSON.stringify(last!.value)}`);
      const [afterExit] = transition(supervisorMachine, last!, { type: 'SERVER_EXITED', code: 0, signal: null, uptimeMs: 1 });
      assert.ok(afterExit.matches('stopped'), `server exit while stopping from ${where}`);
    }
  });
});

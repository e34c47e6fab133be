import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStatus } from '../../../src/commands/inspect.js';
import type { StatusDocument } from '../../../src/status/model.js';

const NOW = new Date('2026-12-05T10:00:00Z');

type Over = Partial<Omit<StatusDocument, 'server'>> & { server?: Partial<StatusDocument['server']> };

function doc(over: Over): StatusDocument {
  const base = {
    state: 'stopping.waitingToLeave',
    mode: 'server',
    server: {
      pid: 7,
      startedAt: '2026-12-05T09:59:00Z',
      restarts: 0,
      crashes: 0,
      version: '2.15.1',
      ready: true,
      healthy: true,
      health: null,
      caughtUp: false,
      catchingUp: "JetStream stream '$G > MEM' is not current",
      leaveBlocked: null,
    },
    restart: null,
    restartLease: { held: false, waitingFor: null },
    reloads: { count: 0, last: null },
    reconcile: { last: null },
    leaf: null,
    cluster: null,
    drift: { inStep: true, causes: [] },
    pending: [],
    lastError: null,
    history: [],
  };
  return { ...base, ...over, server: { ...base.server, ...over.server } } as unknown as StatusDocument;
}

describe('inspect, as a person reads it, for a cluster member', () => {
  it('when the member catches up, waits to leave and for the lease then each is said on its own line', () => {
    const text = formatStatus(
      doc({
        server: { leaveBlocked: 'stream MEM (led here) would keep 1 current replica without this member; it needs 2' },
        restart: { step: 'wanted.awaitingLease', causes: ['config'] },
        restartLease: { held: false, waitingFor: 'n2' },
        cluster: {
          name: 'test',
          metaLeader: 'n2',
          peers: [
            { name: 'n0', current: true, offline: false, lag: null },
            { name: 'n2', current: false, offline: false, lag: 40 },
          ],
          at: NOW.toISOString(),
        },
      }),
      NOW,
    );
    assert.match(text, /ready yes {2}caught up no {2}healthy yes/);
    assert.match(text, /^ {10}catching up: JetStream stream '\$G > MEM' is not current$/m);
    assert.match(text, /^leaving {3}waiting to be spared: stream MEM \(led here\)/m);
    assert.match(text, /^restart {3}wanted for config: waiting for the restart lease; nats-server serves meanwhile$/m);
    assert.match(text, /^restart {3}waiting for the restart lease, held by n2$/m);
    assert.match(text, /^cluster {3}test {2}meta leader n2 {2}peers: n0 current, n2 behind \(lag 40\)$/m);
  });

  it('when the server is standalone then no cluster, leaving or lease lines are printed', () => {
    const text = formatStatus(doc({ server: { caughtUp: true, catchingUp: null } }), NOW);
    assert.doesNotMatch(text, /^(cluster|leaving|restart) /m);
    assert.match(text, /caught up yes/);
  });
});

describe("inspect, as a person reads it: the chart's regions", () => {
  it('when the member holds the lease while catching up then the member line says each region in a word', () => {
    const member = {
      server: 'up' as const,
      catchUp: 'catchingUp',
      store: 'writing',
      restart: 'wanted.due',
      purge: 'settled',
      lease: 'inUse.held',
      readiness: 'notReady',
    };
    const text = formatStatus(doc({ member }), NOW);
    assert.match(
      text,
      /^member {4}server up {2}catch-up catchingUp {2}store writing {2}restart wanted\.due {2}purge settled {2}lease inUse\.held {2}readiness notReady$/m,
    );
    const down = { server: 'down' as const, catchUp: null, store: null, restart: 'none', purge: 'settled', lease: 'standalone', readiness: 'notReady' };
    assert.match(
      formatStatus(doc({ member: down }), NOW),
      /^member {4}server down {2}restart none {2}purge settled {2}lease standalone {2}readiness notReady$/m,
    );
  });
});

describe('inspect, as a person reads it, with a store fault', () => {
  it('when nats-server stopped writing to its store then a store line says so and that a restart follows room', () => {
    const text = formatStatus(doc({ server: { storeFault: 'Critical write error: no space left on device' } }), NOW);
    assert.match(text, /^store {5}write error: Critical write error: no space left on device \(restarts once the store has room\)$/m);
    assert.doesNotMatch(formatStatus(doc({ server: { storeFault: null } }), NOW), /^store/m);
  });
});

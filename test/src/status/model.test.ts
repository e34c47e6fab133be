import assert from 'node:assert/strict';
import type { StateValue } from 'xstate';
import { describe, it } from 'node:test';
import { initialContext, type SupervisorContext } from '../../../machines/context.js';
import type { ReloadRecord } from '../../../machines/outputs.js';
import { supervisorMachine } from '../../../machines/supervisor.js';
import { createMetrics } from '../../../src/status/metrics.js';
import { MAX_TRANSITION_LISTENERS, StatusModel } from '../../../src/status/model.js';

const BEFORE_OR_AFTER = ['waitingForConfig', 'preparing', 'stopped', 'failed'];
/** A member with nats-server up and caught up, a standalone server: the regions beside the lifecycle. */
const member = { server: { up: { catchUp: 'caughtUp', store: 'writing' } }, restart: 'none', lease: 'standalone', readiness: 'notReady' };

/** A snapshot of the real chart resting in `value` (the lifecycle's, or the root's), with context changes. */
function at(value: StateValue, context: Partial<SupervisorContext> = {}) {
  const top = typeof value === 'string' ? value : Object.keys(value)[0]!;
  const full = BEFORE_OR_AFTER.includes(top) ? value : { supervising: { lifecycle: value, ...member } };
  return supervisorMachine.resolveState({ value: full, context: { ...initialContext({ mode: 'server', shutdown: 'term' }), ...context } });
}
const ev = (type: string) => ({ type });
const reload = (outcome: ReloadRecord['outcome'], at: string | null = null): ReloadRecord => ({ at, causes: ['config'], outcome, error: null });

describe('the status model', () => {
  it('when every surface has as many clients as it allows then node prints no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const m = new StatusModel();
    for (let i = 0; i < MAX_TRANSITION_LISTENERS; i++) m.on('transition', () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    assert.deepEqual(warnings, []);
  });

  it("when nats-server is up in a state then it reports ready, as the chart's serverReady tag says", () => {
    const m = new StatusModel();
    assert.equal(m.ready, false, 'nothing observed yet');
    const cases: [StateValue, boolean][] = [
      [{ waitingForConfig: 'sleeping' }, false],
      [{ preparing: 'firstValidation' }, false],
      ['starting', false],
      [{ running: 'idle' }, true],
      ['syncingJwt', true],
      [{ applying: 'validating' }, true],
      [{ reloading: 'confirming' }, true],
      [{ concluding: { reconciling: 'working' } }, true],
      [{ restarting: 'signalling' }, false],
      ['backingOff', false],
      [{ stopping: 'signalling' }, false],
    ];
    for (const [value, ready] of cases) {
      m.observe(at(value), ev('X'));
      assert.equal(m.ready, ready, JSON.stringify(value));
    }
  });

  it('when snapshots come in then a transition is recorded only when the state changes, and emitted', () => {
    const m = new StatusModel();
    const emitted: string[] = [];
    m.on('transition', (t) => emitted.push(t.state));
    assert.equal(m.observe(at({ running: 'idle' }), ev('A')).transition?.state, 'running.idle');
    assert.equal(m.observe(at({ running: 'idle' }), ev('B')).transition, null);
    assert.equal(m.observe(at({ running: 'settling' }), ev('FS_CHANGED')).transition?.event, 'FS_CHANGED');
    assert.deepEqual(emitted, ['running.idle', 'running.settling']);
  });

  it('when many transitions happen then the history keeps the last 50', () => {
    const m = new StatusModel();
    for (let i = 0; i < 60; i++) m.observe(at(i % 2 ? { running: 'idle' } : { running: 'settling' }), ev(`E${i}`));
    assert.equal(m.history.length, 50);
    assert.equal(m.history.at(-1)?.event, 'E59');
  });

  it('when a reload record appears then it is counted once, and a record the chart could not stamp gets the time it was seen', () => {
    const m = new StatusModel();
    const record = reload('rejected');
    const now = new Date('2026-11-28T00:00:00.000Z');
    assert.equal(m.observe(at({ running: 'idle' }, { lastReload: record, reloadCount: 1 }), ev('A'), now).reload, record);
    assert.equal(m.observe(at({ running: 'settling' }, { lastReload: record, reloadCount: 1 }), ev('B')).reload, null);
    assert.equal(m.totals.reloadsByOutcome.rejected, 1);
    assert.equal(m.totals.lastReloadAt, now.toISOString());
    const doc = m.toJSON();
    assert.equal(doc.reloads.count, 1);
    assert.equal(doc.reloads.last?.at, now.toISOString());
    assert.equal(doc.state, 'running.settling');
  });

  it('when a restart the chart decided waits for the lease then /state, inspect and /metrics say so while the member serves', async () => {
    const m = new StatusModel();
    const waiting = supervisorMachine.resolveState({
      value: { supervising: { lifecycle: { running: 'idle' }, ...member, restart: { wanted: 'awaitingLease' } } },
      context: { ...initialContext({ mode: 'server', shutdown: 'term' }), restartCauses: ['config'] },
    });
    m.observe(waiting, ev('X'));
    assert.deepEqual(m.toJSON().restart, { step: 'wanted.awaitingLease', causes: ['config'] });
    assert.equal(m.toJSON().member?.restart, 'wanted.awaitingLease');
    const metrics = (await createMetrics(m)()).body;
    assert.match(metrics, /^iofog_nats_restart_wanted\{step="awaitingLease"\} 1$/m);
    assert.match(metrics, /^iofog_nats_restart_wanted\{step="due"\} 0$/m);
    m.observe(at({ running: 'idle' }), ev('X'));
    assert.equal(m.toJSON().restart, null);
  });

  it('when a surface listening for transitions throws then observe goes on and the other surfaces still hear it', () => {
    const m = new StatusModel();
    const heard: string[] = [];
    m.on('transition', () => {
      throw new Error('closed connection');
    });
    m.on('transition', (t) => heard.push(t.state));
    assert.doesNotThrow(() => m.observe(at({ running: 'idle' }), ev('X')));
    assert.deepEqual(heard, ['running.idle']);
  });
});

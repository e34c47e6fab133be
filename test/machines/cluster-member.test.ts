import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startedHarness } from './harness.js';

describe('supervisor statechart: a cluster member catching up', () => {
  it('when nats-server starts then it is not caught up until its catch-up watch says so, and says what it waits for', async () => {
    const h = await startedHarness({ world: { catchesUp: false } });
    let c = h.actor.getSnapshot().context;
    assert.equal(c.caughtUp, false);
    assert.equal(c.catchingUp, 'stream MEM is not current');
    h.catchUp();
    c = h.actor.getSnapshot().context;
    assert.equal(c.caughtUp, true);
    assert.equal(c.catchingUp, null);
  });

  it('when nats-server crashes and starts again then it has to catch up again', async () => {
    const h = await startedHarness({ world: { catchesUp: false } });
    h.catchUp();
    h.exitServer(1);
    assert.equal(h.actor.getSnapshot().context.caughtUp, false);
    h.clock.increment(1000);
    await h.until((s) => s.matches({ running: 'idle' }));
    assert.equal(h.spawns, 2);
    assert.equal(h.actor.getSnapshot().context.caughtUp, false);
    h.catchUp();
    assert.equal(h.actor.getSnapshot().context.caughtUp, true);
  });
});

describe('supervisor statechart: a cluster member leaving', () => {
  it('when SHUTDOWN arrives while the cluster cannot spare the member then no signal is sent until it can, and why is kept', async () => {
    const h = await startedHarness({ world: { spared: false, exitsOnStopSignal: true } });
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    assert.equal(h.state(), 'stopping.waitingToLeave');
    assert.deepEqual(h.signals, []);
    assert.equal(h.actor.getSnapshot().context.leaveBlocked, 'stream MEM would lose its quorum');
    h.clock.increment(59_000);
    assert.deepEqual(h.signals, []);
    h.spare();
    const s = await h.until((s) => s.status === 'done');
    assert.deepEqual(h.signals, ['SIGTERM']);
    assert.equal(s.context.exitCode, 0);
    assert.equal(s.context.leaveBlocked, null);
  });

  it('when the cluster never spares the member then it stops after the leave timeout and says what it left at risk', async () => {
    const h = await startedHarness({ world: { spared: false, exitsOnStopSignal: true }, shutdown: 'lame-duck' });
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    h.clock.increment(60_000);
    const s = await h.until((s) => s.status === 'done');
    assert.deepEqual(h.signals, ['SIGUSR2']);
    assert.match(s.context.lastError ?? '', /without being spared.*stream MEM would lose its quorum/);
  });

  it('when nats-server exits while the member waits to leave then the supervisor stops at once', async () => {
    const h = await startedHarness({ world: { spared: false } });
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    h.exitServer(0);
    const s = await h.until((s) => s.status === 'done');
    assert.equal(h.state(), 'stopped');
    assert.deepEqual(h.signals, []);
    assert.equal(s.context.exitCode, 0);
  });

  it('when a leaf restart is due while the cluster cannot spare the member then nats-server is not stopped until it can', async () => {
    const h = await startedHarness({ mode: 'leaf', world: { spared: false, exitsOnStopSignal: true } });
    h.send({ type: 'FS_CHANGED', cause: 'creds', paths: ['/creds/leaf.creds'] });
    h.clock.increment(100);
    await h.until((s) => s.matches({ restarting: 'waitingToLeave' }));
    h.clock.increment(600_000);
    assert.deepEqual(h.signals, []);
    assert.equal(h.state(), 'restarting.waitingToLeave');
    h.spare();
    await h.until((s) => s.matches({ running: 'idle' }) && s.context.server.restarts === 1);
    assert.deepEqual(h.signals, ['SIGINT']);
    assert.equal(h.spawns, 2);
  });
});

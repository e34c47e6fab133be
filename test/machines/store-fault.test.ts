import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startedHarness, inState } from './harness.js';

const failed = (uptimeMs = 5000) => ({ type: 'STORE_FAILED' as const, message: 'Critical write error: no space left on device', uptimeMs });
const room = { type: 'STORE_HAS_ROOM' as const, freeBytes: 40 * 1024 ** 2, wouldLose: null };
const roomButLoses = { ...room, wouldLose: 'the messages of its R1 memory streams: $G > MEM (50 messages)' };

describe('supervisor statechart: a JetStream store that failed', () => {
  it('when nats-server says its store failed then it is kept and said, the store check is told, and nothing restarts before there is room', async () => {
    const h = await startedHarness();
    h.send(failed());
    const c = h.actor.getSnapshot().context;
    assert.match(c.storeFault ?? '', /Critical write error/);
    assert.match(c.lastError ?? '', /stopped writing to its JetStream store/);
    assert.equal(h.storeChecks.at(-1)?.told, true);
    h.clock.increment(600_000);
    assert.equal(h.state(), 'running.idle');
    assert.equal(h.spawns, 1);
  });

  it('when the store has room again then nats-server is restarted once, validated first, and the fault is gone with the old process', async () => {
    const h = await startedHarness({ world: { exitsOnStopSignal: true } });
    h.send(failed());
    h.send(room);
    h.clock.increment(100);
    const s = await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1, 'the restart');
    assert.deepEqual(h.signals, ['SIGINT']);
    assert.equal(h.spawns, 2);
    assert.equal(h.validations, 2);
    assert.equal(s.context.storeFault, null);
    assert.equal(s.context.lastReload?.outcome, 'restarted');
    assert.deepEqual(s.context.lastReload?.causes, ['store']);
  });

  it('when a restart would lose acked data then nothing restarts, the loss is said, and the member waits for an operator', async () => {
    const h = await startedHarness({ world: { exitsOnStopSignal: true } });
    h.send(failed());
    h.send(roomButLoses);
    h.clock.increment(600_000);
    const s = h.actor.getSnapshot();
    assert.equal(h.state(), 'running.idle');
    assert.deepEqual(h.signals, []);
    assert.equal(h.spawns, 1);
    assert.ok(s.hasTag('restartHeld'));
    assert.match(s.context.lastError ?? '', /would lose the messages of its R1 memory streams: \$G > MEM \(50 messages\).*iofog-nats accept-loss/);
  });

  it('when an operator accepts the loss then the held restart goes ahead, once', async () => {
    const h = await startedHarness({ world: { exitsOnStopSignal: true } });
    h.send(failed());
    h.send(roomButLoses);
    h.send({ type: 'LOSS_ACCEPTED' });
    h.clock.increment(100);
    const s = await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1, 'the restart');
    assert.deepEqual(h.signals, ['SIGINT']);
    assert.deepEqual(s.context.lastReload?.causes, ['store']);
    assert.equal(s.hasTag('restartHeld'), false);
  });

  it('when what a restart would lose is gone by the next look then it goes ahead without an operator', async () => {
    const h = await startedHarness({ world: { exitsOnStopSignal: true } });
    h.send(failed());
    h.send(roomButLoses);
    h.send(room);
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1, 'the restart');
  });

  it('when an operator accepts a loss nothing holds then nothing happens', async () => {
    const h = await startedHarness();
    h.send({ type: 'LOSS_ACCEPTED' });
    h.send(failed());
    h.send({ type: 'LOSS_ACCEPTED' });
    h.clock.increment(600_000);
    assert.deepEqual(h.signals, []);
    assert.deepEqual(h.actor.getSnapshot().context.pendingCauses, []);
  });

  it('when the store fault of a nats-server that has exited arrives then it is ignored', async () => {
    const h = await startedHarness();
    h.exitServer(1);
    assert.equal(h.state(), 'backingOff');
    h.send(failed());
    assert.equal(h.actor.getSnapshot().context.storeFault, null);
    assert.equal(h.actor.getSnapshot().status, 'active');
    h.clock.increment(1000);
    await h.until((s) => inState(s, { running: 'idle' }));
  });

  it('when room is reported without a store fault then nothing happens', async () => {
    const h = await startedHarness();
    h.send(room);
    h.clock.increment(1000);
    assert.equal(h.state(), 'running.idle');
    assert.deepEqual(h.signals, []);
    assert.deepEqual(h.actor.getSnapshot().context.pendingCauses, []);
  });

  it('when the store fails again soon after each restart then each next restart waits the crash backoff, doubling', async () => {
    const h = await startedHarness({ world: { exitsOnStopSignal: true } });
    for (let restarts = 1; restarts <= 3; restarts++) {
      h.send(failed());
      h.send(room);
      h.clock.increment(100);
      await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === restarts, `restart ${restarts}`);
    }
    assert.deepEqual(
      h.storeChecks.map((w) => w.minDelayMs),
      [0, 1000, 2000, 4000],
    );
  });

  it('when a store fault comes after nats-server ran a minute then the backoff starts over', async () => {
    const h = await startedHarness({ world: { exitsOnStopSignal: true } });
    h.send(failed());
    h.send(room);
    h.clock.increment(100);
    await h.until((s) => s.context.server.restarts === 1 && inState(s, { running: 'idle' }));
    h.send(failed(61_000));
    assert.equal(h.actor.getSnapshot().context.storeRecoveries, 0);
  });

  it('when the member cannot be spared then the store restart waits for it', async () => {
    const h = await startedHarness({ world: { exitsOnStopSignal: true, spared: false, clustered: true } });
    h.send(failed());
    h.send(room);
    h.clock.increment(100);
    await h.until(() => h.member()?.restart === 'wanted.waitingToLeave');
    h.clock.increment(600_000);
    assert.deepEqual(h.signals, []);
    h.spare();
    await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
    assert.deepEqual(h.signals, ['SIGINT']);
  });

  it('when the config is invalid when the store has room then no restart and the fault stays, for the next report of room', async () => {
    const h = await startedHarness({ world: { exitsOnStopSignal: true } });
    h.send(failed());
    h.world.valid = false;
    h.send(room);
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }) && s.context.lastReload?.outcome === 'rejected');
    assert.deepEqual(h.signals, []);
    assert.notEqual(h.actor.getSnapshot().context.storeFault, null);
    h.world.valid = true;
    h.send(room);
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
  });
});

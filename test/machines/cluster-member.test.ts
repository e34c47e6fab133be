import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DELAYS } from '../../machines/timing.js';
import { startedHarness, inState } from './harness.js';

describe('supervisor statechart: a cluster member catching up', () => {
  it('when nats-server starts then it is not caught up until its catch-up check says so, and says what it waits for', async () => {
    const h = await startedHarness({ world: { catchesUp: false } });
    assert.equal(h.member()?.catchUp, 'catchingUp');
    assert.equal(h.member()?.readiness, 'notReady');
    assert.equal(h.actor.getSnapshot().context.catchingUp, 'stream MEM is not current');
    h.catchUp();
    assert.deepEqual([h.member()?.catchUp, h.member()?.readiness], ['caughtUp', 'ready']);
    assert.equal(h.actor.getSnapshot().context.catchingUp, null);
  });

  it('when nats-server exits while catching up then what it was catching up on is no longer said', async () => {
    const h = await startedHarness({ world: { catchesUp: false } });
    assert.equal(h.actor.getSnapshot().context.catchingUp, 'stream MEM is not current');
    h.exitServer(1);
    assert.equal(h.actor.getSnapshot().context.catchingUp, null);
  });

  it('when nats-server crashes and starts again then it has to catch up again', async () => {
    const h = await startedHarness({ world: { catchesUp: false } });
    h.catchUp();
    h.exitServer(1);
    assert.deepEqual(h.member(), { server: 'down', catchUp: null, store: null, restart: 'none', purge: 'settled', lease: 'standalone', readiness: 'notReady' });
    h.clock.increment(1000);
    await h.until((s) => inState(s, { running: 'idle' }));
    assert.equal(h.spawns, 2);
    assert.equal(h.member()?.catchUp, 'catchingUp');
    h.catchUp();
    assert.equal(h.member()?.catchUp, 'caughtUp');
  });
});

describe('supervisor statechart: a cluster member leaving', () => {
  it('when SHUTDOWN arrives while the cluster cannot spare the member then no signal is sent until it can, and why is kept', async () => {
    const h = await startedHarness({ world: { spared: false, exitsOnStopSignal: true, clustered: true } });
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    assert.equal(h.state(), 'stopping.waitingToLeave');
    assert.equal(h.member()?.readiness, 'ready', 'nats-server serves while the member waits to be spared');
    assert.deepEqual(h.signals, []);
    assert.equal(h.actor.getSnapshot().context.leaveBlocked, 'stream MEM would lose its quorum');
    h.clock.increment(DEFAULT_DELAYS.leaveTimeout - 1000);
    assert.deepEqual(h.signals, []);
    h.spare();
    const s = await h.until((s) => s.status === 'done');
    assert.deepEqual(h.signals, ['SIGTERM']);
    assert.equal(s.context.exitCode, 0);
    assert.equal(s.context.leaveBlocked, null);
  });

  it('when the cluster never spares the member then it stops after the leave timeout and says what it left at risk', async () => {
    const h = await startedHarness({ world: { spared: false, exitsOnStopSignal: true, clustered: true }, shutdown: 'lame-duck' });
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    h.clock.increment(60_000);
    const s = await h.until((s) => s.status === 'done');
    assert.deepEqual(h.signals, ['SIGUSR2']);
    assert.match(s.context.lastError ?? '', /without being spared.*stream MEM would lose its quorum/);
  });

  it('when every reason it waits for is a member that is offline itself (a drain) then it stops at once and says so', async () => {
    const h = await startedHarness({ world: { spared: false, gone: ['n2'], exitsOnStopSignal: true, clustered: true } });
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    const s = await h.until((s) => s.status === 'done');
    assert.deepEqual(h.signals, ['SIGTERM']);
    assert.match(s.context.lastError ?? '', /without waiting to be spared: the members it would wait for are offline \(n2\)/);
  });

  it('when a restart the supervisor decided waits only on offline members then it waits on: nothing outside asks for it', async () => {
    const h = await startedHarness({ world: { spared: false, gone: ['n2'], exitsOnStopSignal: true, clustered: true } });
    h.send({ type: 'STORE_FAILED', message: 'Critical write error', uptimeMs: 10 });
    h.send({ type: 'STORE_HAS_ROOM', freeBytes: 1, wouldLose: null });
    h.clock.increment(600_000);
    await h.until(() => h.member()?.restart === 'wanted.waitingToLeave');
    assert.deepEqual(h.signals, []);
  });

  it('when nats-server exits while the member waits to leave then the supervisor stops at once', async () => {
    const h = await startedHarness({ world: { spared: false, clustered: true } });
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    h.exitServer(0);
    const s = await h.until((s) => s.status === 'done');
    assert.equal(h.state(), 'stopped');
    assert.deepEqual(h.signals, []);
    assert.equal(s.context.exitCode, 0);
  });

  it('when a leaf restart is due while the cluster cannot spare the member then nats-server is not stopped until it can', async () => {
    const h = await startedHarness({ mode: 'leaf', world: { spared: false, exitsOnStopSignal: true, clustered: true } });
    h.send({ type: 'FS_CHANGED', cause: 'creds', paths: ['/creds/leaf.creds'] });
    h.clock.increment(100);
    await h.until(() => h.member()?.restart === 'wanted.waitingToLeave');
    h.clock.increment(600_000);
    assert.deepEqual(h.signals, []);
    assert.deepEqual([h.state(), h.member()?.restart, h.member()?.readiness], ['running.idle', 'wanted.waitingToLeave', 'ready']);
    h.spare();
    await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
    assert.deepEqual(h.signals, ['SIGINT']);
    assert.equal(h.spawns, 2);
  });
});

describe('supervisor statechart: a reload nats-server refuses, in a cluster', () => {
  it('when NATS_ROLLING_RESTART is on then it restarts once it holds the lease, and releases the lease only once caught up again', async () => {
    const h = await startedHarness({
      rollingRestart: true,
      world: { reload: 'rejected', leaseHolder: 'n2', exitsOnStopSignal: true, catchesUp: false, clustered: true },
    });
    h.catchUp();
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: ['/c/server.conf'] });
    h.clock.increment(100);
    await h.until(() => h.member()?.restart === 'wanted.awaitingLease');
    assert.equal(h.actor.getSnapshot().context.leaseHolder, 'n2');
    assert.deepEqual([h.member()?.lease, h.member()?.readiness], ['inUse.waiting', 'ready'], 'waiting is not down');
    assert.deepEqual(h.signals, ['SIGHUP'], 'no restart while another member holds the lease');
    h.grantLease();
    const restarted = await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
    assert.deepEqual(h.signals, ['SIGHUP', 'SIGINT']);
    assert.equal(restarted.context.lastReload?.outcome, 'restarted');
    assert.match(restarted.context.lastReload?.error ?? '', /refused the reload \(refused\); restarted/);
    assert.deepEqual([h.member()?.lease, h.leases.released], ['inUse.held', 0], 'held until the restarted member has caught up');
    h.catchUp();
    assert.deepEqual([h.member()?.lease, h.leases.released], ['free', 1]);
  });

  it('when NATS_ROLLING_RESTART is off then the refusal is rejected, nothing restarts, and it says what would apply it', async () => {
    const h = await startedHarness({ world: { reload: 'rejected' } });
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: ['/c/server.conf'] });
    h.clock.increment(100);
    const s = await h.until((s) => s.context.lastReload !== null && inState(s, { running: 'idle' }));
    assert.deepEqual(h.signals, ['SIGHUP']);
    assert.equal(s.context.lastReload?.outcome, 'rejected');
    assert.match(s.context.lastReload?.error ?? '', /a restart would apply it \(NATS_ROLLING_RESTART=on/);
    assert.equal(h.leases.taken, 0);
  });
});

describe('supervisor statechart: a cluster member with no restart lease (operator mode without its creds)', () => {
  const noLease = { clustered: true, leaseConfigured: false, exitsOnStopSignal: true };

  it('when NATS_ROLLING_RESTART is on and nats-server refuses a reload then nothing restarts and it says the lease is missing', async () => {
    const h = await startedHarness({ rollingRestart: true, world: { ...noLease, reload: 'rejected' } });
    assert.equal(h.member()?.lease, 'unconfigured');
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: ['/c/server.conf'] });
    h.clock.increment(100);
    const s = await h.until((s) => s.context.lastReload !== null && inState(s, { running: 'idle' }));
    assert.deepEqual(h.signals, ['SIGHUP']);
    assert.equal(s.context.lastReload?.outcome, 'rejected');
    assert.match(s.context.lastReload?.error ?? '', /no restart lease is configured \(NATS_RESTART_LEASE_CREDS\)/);
    assert.equal(h.leases.taken, 0);
    assert.equal(h.buckets, 0, 'no bucket, so no connection tried');
  });

  it('when the store has room again then the restart waits to be spared, never for a lease that cannot be taken', async () => {
    const h = await startedHarness({ world: { ...noLease, spared: false } });
    h.send({ type: 'STORE_FAILED', message: 'Critical write error', uptimeMs: 10 });
    h.send({ type: 'STORE_HAS_ROOM', freeBytes: 1, wouldLose: null });
    h.clock.increment(100);
    await h.until(() => h.member()?.restart === 'wanted.waitingToLeave');
    h.spare();
    await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
    assert.deepEqual([h.signals, h.leases.taken], [['SIGINT'], 0]);
  });
});

describe('supervisor statechart: a restart that waits is beside the lifecycle, not in it', () => {
  const waitingForLease = async () => {
    const h = await startedHarness({
      rollingRestart: true,
      world: { reload: 'rejected', leaseHolder: 'n2', exitsOnStopSignal: true, clustered: true },
    });
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: ['/c/server.conf'] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }) && h.member()?.restart === 'wanted.awaitingLease');
    return h;
  };

  it('when JWTs change while a restart waits for the lease then they are mirrored and reconciled at once', async () => {
    const h = await waitingForLease();
    const [syncs, reconciles] = [h.syncs.length, h.reconciles];
    h.send({ type: 'FS_CHANGED', cause: 'jwt', paths: ['/jwt/A.jwt'] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }) && h.reconciles > reconciles);
    assert.equal(h.syncs.length, syncs + 1);
    assert.deepEqual([h.member()?.restart, h.member()?.readiness, h.signals], ['wanted.awaitingLease', 'ready', ['SIGHUP']]);
  });

  it('when a store-fault restart waits to be spared then a change that reloads is applied meanwhile', async () => {
    const h = await startedHarness({ world: { exitsOnStopSignal: true, spared: false, clustered: true } });
    h.send({ type: 'STORE_FAILED', message: 'Critical write error', uptimeMs: 10 });
    h.send({ type: 'STORE_HAS_ROOM', freeBytes: 1, wouldLose: null });
    h.clock.increment(100);
    await h.until(() => h.member()?.restart === 'wanted.waitingToLeave');
    h.send({ type: 'FS_CHANGED', cause: 'tls', paths: ['/tls/tls.crt'] });
    h.clock.increment(100);
    const s = await h.until((s) => inState(s, { running: 'idle' }) && s.context.lastReload?.outcome === 'applied');
    assert.deepEqual([h.signals, h.member()?.restart, s.context.restartCauses], [['SIGHUP'], 'wanted.waitingToLeave', ['store']]);
    h.spare();
    const restarted = await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
    assert.deepEqual([h.signals, restarted.context.lastReload?.outcome, restarted.context.lastReload?.causes], [['SIGHUP', 'SIGINT'], 'restarted', ['store']]);
    assert.equal(h.member()?.restart, 'none');
  });

  it('when the refused change is undone while the restart waits then the reload applies and the restart is no longer wanted', async () => {
    const h = await waitingForLease();
    h.world.reload = 'applied';
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: ['/c/server.conf'] });
    h.clock.increment(100);
    const s = await h.until((s) => inState(s, { running: 'idle' }) && s.context.lastReload?.outcome === 'applied');
    assert.deepEqual([h.member()?.restart, h.member()?.lease, s.context.refusal], ['none', 'free', null]);
    h.grantLease();
    assert.deepEqual(h.signals, ['SIGHUP', 'SIGHUP'], 'no restart');
  });

  it('when nats-server crashes while a restart waits then the new nats-server stands in for it and the wait ends', async () => {
    const h = await waitingForLease();
    h.exitServer(1);
    assert.deepEqual([h.member()?.restart, h.member()?.lease], ['none', 'free']);
    h.clock.increment(1000);
    await h.until((s) => inState(s, { running: 'idle' }) && h.spawns === 2);
    h.grantLease();
    assert.deepEqual([h.member()?.restart, h.leases.taken, h.signals], ['none', 1, ['SIGHUP']], 'no second restart');
  });

  it('when SHUTDOWN comes while a restart waits for the lease then the stop takes over and the wait ends', async () => {
    const h = await waitingForLease();
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    const s = await h.until((s) => s.status === 'done');
    assert.equal(h.state(), 'stopped');
    assert.deepEqual([h.signals, h.leases.released, s.context.server.restarts], [['SIGHUP', 'SIGTERM'], 1, 0]);
  });
});

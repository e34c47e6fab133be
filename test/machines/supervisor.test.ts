import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DELAYS } from '../../machines/timing.js';
import { createHarness, startedHarness, inState } from './harness.js';

describe('supervisor statechart: start', () => {
  it('when the config exists then it mirrors, validates, starts, reconciles once and idles', async () => {
    const h = await startedHarness();
    assert.deepEqual(h.syncs, ['startup']);
    assert.equal(h.validations, 1);
    assert.equal(h.spawns, 1);
    assert.equal(h.reconciles, 1);
    assert.equal(h.actor.getSnapshot().context.server.pid, 1001);
  });

  it('when the config is missing then it polls every configPoll and gives up with 78 after configWait', async () => {
    const h = createHarness({ world: { configExists: false } });
    for (let polls = 0; polls < 29; polls++) {
      await h.until((s) => inState(s, { waitingForConfig: 'sleeping' }));
      h.clock.increment(1_000);
    }
    await h.until((s) => inState(s, { waitingForConfig: 'sleeping' }));
    assert.equal(h.spawns, 0);
    h.clock.increment(1_000);
    const s = await h.until((s) => s.status === 'done', 'failed');
    assert.equal(h.state(), 'failed');
    assert.equal(s.context.exitCode, 78);
    assert.equal(h.spawns, 0);
  });

  it('when the config appears while waiting then it starts', async () => {
    const h = createHarness({ world: { configExists: false } });
    await h.until((s) => inState(s, { waitingForConfig: 'sleeping' }));
    h.world.configExists = true;
    h.clock.increment(1000);
    await h.until((s) => inState(s, { running: 'idle' }));
  });

  it('when the config is invalid at start then it fails with 78, never spawns and never touches the resolver dir', async () => {
    const h = createHarness({ world: { valid: false } });
    const s = await h.until((s) => s.status === 'done');
    assert.equal(h.state(), 'failed');
    assert.equal(s.context.exitCode, 78);
    assert.match(s.context.lastError ?? '', /unknown field/);
    assert.equal(h.spawns, 0);
    assert.deepEqual(h.syncs, []);
  });
});

describe('supervisor statechart: changes', () => {
  it('when a config file changes in server mode then after the debounce it validates and sends SIGHUP', async () => {
    const h = await startedHarness();
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: ['/c/server.conf'] });
    assert.equal(h.state(), 'running.settling');
    h.clock.increment(99);
    assert.equal(h.state(), 'running.settling');
    h.clock.increment(1);
    const s = await h.until((s) => s.context.lastReload !== null);
    assert.deepEqual(h.signals, ['SIGHUP']);
    assert.deepEqual(s.context.lastReload?.causes, ['config']);
    assert.equal(s.context.lastReload?.outcome, 'applied');
    await h.until((s) => inState(s, { running: 'idle' }));
  });

  it('when events keep arriving then the debounce restarts and one action takes them all', async () => {
    const h = await startedHarness();
    for (const cause of ['config', 'tls', 'creds'] as const) {
      h.send({ type: 'FS_CHANGED', cause, paths: [] });
      h.clock.increment(60);
    }
    assert.equal(h.state(), 'running.settling');
    h.clock.increment(40);
    const s = await h.until((s) => s.context.lastReload !== null);
    assert.deepEqual(s.context.lastReload?.causes, ['config', 'tls', 'creds']);
    assert.deepEqual(h.signals, ['SIGHUP']);
  });

  it('when the contents turn out unchanged after the debounce then nothing is validated or signalled', async () => {
    const h = await startedHarness({ world: { unchanged: ['config'] } });
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }));
    assert.equal(h.validations, 1, 'only the start-up validation');
    assert.deepEqual(h.signals, []);
    assert.equal(h.actor.getSnapshot().context.lastReload, null);
  });

  it('when a Kubernetes ..data swap lands then it acts without the debounce', async () => {
    const h = await startedHarness();
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: ['/c/..data'], immediate: true });
    await h.until((s) => s.context.lastReload !== null);
    assert.deepEqual(h.signals, ['SIGHUP']);
  });

  it('when the new config is invalid then nothing is signalled and the outcome is rejected with the message', async () => {
    const h = await startedHarness();
    h.world.valid = false;
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    const s = await h.until((s) => s.context.lastReload !== null);
    assert.equal(s.context.lastReload?.outcome, 'rejected');
    assert.match(s.context.lastReload?.error ?? '', /unknown field/);
    assert.deepEqual(h.signals, []);
    await h.until((s) => inState(s, { running: 'idle' }));
  });

  it('when nats-server refuses the reload then the outcome is rejected', async () => {
    const h = await startedHarness({ world: { reload: 'rejected' } });
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    const s = await h.until((s) => s.context.lastReload !== null);
    assert.equal(s.context.lastReload?.outcome, 'rejected');
  });

  it('when a rejected change is followed by one that applies then the last error is cleared', async () => {
    const h = await startedHarness();
    h.world.valid = false;
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    await h.until((s) => s.context.lastReload?.outcome === 'rejected');
    assert.ok(h.actor.getSnapshot().context.lastError);
    h.world.valid = true;
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    const s = await h.until((s) => s.context.lastReload?.outcome === 'applied');
    assert.equal(s.context.lastError, null);
  });

  it('when the JWT mirror fails then it is tried again every 5 s until it works', async () => {
    const h = await startedHarness();
    h.world.mirrorFails = true;
    h.send({ type: 'FS_CHANGED', cause: 'jwt', paths: [] });
    h.clock.increment(100);
    await h.until((s) => /JWT mirror failed: .*ENOSPC/.test(s.context.lastError ?? '') && inState(s, { running: 'idle' }));
    const tries = h.syncs.length;
    h.clock.increment(5000);
    await h.until((s) => inState(s, { running: 'settling' }), 'the retry owed');
    h.clock.increment(100);
    await h.until(() => h.syncs.length > tries, 'a second try');
    h.world.mirrorFails = false;
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }));
    h.clock.increment(5000);
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }) && h.syncs.length === tries + 2, 'the third try, which works');
    const after = h.syncs.length;
    h.clock.increment(20_000);
    assert.equal(h.syncs.length, after, 'no more tries once it worked');
  });

  it('when nats-server cannot be asked (out of file descriptors) then the change is rejected and tried again until it applies', async () => {
    const h = await startedHarness();
    h.world.outOfFds = true;
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    await h.until((s) => s.context.lastReload?.outcome === 'rejected' && inState(s, { running: 'idle' }));
    assert.match(h.actor.getSnapshot().context.lastError ?? '', /EMFILE/);
    assert.deepEqual(h.signals, [], 'nothing signalled without a verdict');
    const tries = h.validations;
    h.clock.increment(2000);
    h.clock.increment(100);
    await h.until(() => h.validations > tries, 'a second try');
    await h.until((s) => inState(s, { running: 'idle' }));
    h.world.outOfFds = false;
    h.clock.increment(2000);
    h.clock.increment(100);
    const s = await h.until((s) => s.context.lastReload?.outcome === 'applied', 'applied once nats-server can be asked');
    assert.deepEqual(s.context.lastReload?.causes, ['config']);
    assert.deepEqual(h.signals, ['SIGHUP']);
    const after = h.validations;
    h.clock.increment(20_000);
    assert.equal(h.validations, after, 'no more tries once it applied');
  });

  it('when a config is invalid then it is not tried again without a change', async () => {
    const h = await startedHarness();
    h.world.valid = false;
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    await h.until((s) => s.context.lastReload?.outcome === 'rejected' && inState(s, { running: 'idle' }));
    const tries = h.validations;
    h.clock.increment(20_000);
    assert.equal(h.validations, tries);
  });

  it('when nats-server never confirms then confirmTimeout records a rejection', async () => {
    const h = await startedHarness({ world: { reload: 'never' } });
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { reloading: 'confirming' }));
    h.clock.increment(10_000);
    const s = await h.until((s) => s.context.lastReload !== null);
    assert.equal(s.context.lastReload?.outcome, 'rejected');
    assert.match(s.context.lastReload?.error ?? '', /did not confirm/);
    await h.until((s) => inState(s, { running: 'idle' }));
  });

  it('when nats-server never confirms a leaf reload then it restarts: a leaf logging to a file shows a refusal only so', async () => {
    const h = await startedHarness({ mode: 'leaf', world: { reload: 'never' } });
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { reloading: 'confirming' }));
    h.clock.increment(10_000);
    await h.until((s) => inState(s, { restarting: 'signalling' }));
    assert.deepEqual(h.signals, ['SIGHUP', 'SIGINT']);
    h.exitServer(0);
    const s = await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
    assert.equal(s.context.lastReload?.outcome, 'restarted');
    assert.equal(s.context.lastReload?.error, 'nats-server refused the reload (it was not confirmed in time); restarted');
  });

  describe("what nats-server runs (drift's baseline) moves only when a start is ready or a reload, restart or reconcile is confirmed", () => {
    it('when nats-server starts then it runs what it read at spawn, then what the first reconcile took', async () => {
      const h = await startedHarness({ mode: 'leaf' });
      assert.deepEqual(h.running, ['read at spawn', 'runs what it read', 'runs taken: jwt']);
    });

    it('when a reload is applied then it runs what the reload took; a rejected change runs nothing new', async () => {
      const h = await startedHarness({ mode: 'leaf' });
      h.running.length = 0;
      h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
      h.clock.increment(100);
      await h.until((s) => s.context.lastReload?.outcome === 'applied');
      assert.deepEqual(h.running, ['runs taken: config']);
      h.running.length = 0;
      h.world.valid = false;
      h.send({ type: 'FS_CHANGED', cause: 'tls', paths: [] });
      h.clock.increment(100);
      await h.until((s) => s.context.lastReload?.outcome === 'rejected');
      assert.deepEqual(h.running, []);
    });

    it('when a leaf restarts then it runs what the new process read', async () => {
      const h = await startedHarness({ mode: 'leaf' });
      h.running.length = 0;
      h.send({ type: 'FS_CHANGED', cause: 'creds', paths: [] });
      h.clock.increment(100);
      await h.until((s) => inState(s, { restarting: 'signalling' }));
      h.exitServer(0);
      await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
      assert.deepEqual(h.running, ['read at spawn', 'runs what it read']);
    });

    it('when nats-server crashes mid-reload then nothing new runs until the next start is ready', async () => {
      const h = await startedHarness({ mode: 'leaf', world: { reload: 'never' } });
      h.running.length = 0;
      h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
      h.clock.increment(100);
      await h.until((s) => inState(s, { reloading: 'confirming' }));
      h.exitServer(1);
      await h.until((s) => inState(s, 'backingOff'));
      assert.deepEqual(h.running, []);
    });
  });

  it('when the leaf config changes then it reloads with SIGHUP: no restart, no client dropped', async () => {
    const h = await startedHarness({ mode: 'leaf' });
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.send({ type: 'FS_CHANGED', cause: 'tls', paths: [] });
    h.clock.increment(100);
    const s = await h.until((s) => s.context.lastReload?.outcome === 'applied');
    assert.deepEqual(h.signals, ['SIGHUP']);
    assert.equal(h.spawns, 1);
    assert.equal(s.context.server.restarts, 0);
  });

  it('when nats-server refuses a leaf reload then it restarts, and the outcome names the refusal', async () => {
    const h = await startedHarness({ mode: 'leaf', world: { reload: 'rejected' } });
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { restarting: 'signalling' }));
    assert.deepEqual(h.signals, ['SIGHUP', 'SIGINT']);
    h.exitServer(0);
    const s = await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
    assert.equal(h.spawns, 2);
    assert.equal(s.context.server.crashes, 0);
    assert.equal(s.context.lastReload?.outcome, 'restarted');
    assert.match(String(s.context.lastReload?.error), /^nats-server refused the reload \(.+\); restarted$/);
  });

  it('when leaf creds change then it restarts with SIGINT and starts again: nats-server reads creds only when it connects', async () => {
    const h = await startedHarness({ mode: 'leaf' });
    h.send({ type: 'FS_CHANGED', cause: 'creds', paths: [] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { restarting: 'signalling' }));
    assert.deepEqual(h.signals, ['SIGINT']);
    h.exitServer(0);
    const s = await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.restarts === 1);
    assert.equal(s.context.lastReload?.outcome, 'restarted');
    assert.equal(s.context.lastReload?.error, null);
  });

  it('when only leaf TLS changes then it reloads without a restart', async () => {
    const h = await startedHarness({ mode: 'leaf' });
    h.send({ type: 'FS_CHANGED', cause: 'tls', paths: [] });
    h.clock.increment(100);
    await h.until((s) => s.context.lastReload?.outcome === 'applied');
    assert.deepEqual(h.signals, ['SIGHUP']);
  });

  for (const mode of ['server', 'leaf'] as const) {
    it(`when only JWTs change in ${mode} mode then it mirrors and reconciles without any signal or validation`, async () => {
      const h = await startedHarness({ mode });
      const validationsAtStart = h.validations;
      h.send({ type: 'FS_CHANGED', cause: 'jwt', paths: [] });
      h.clock.increment(100);
      await h.until((s) => inState(s, { running: 'idle' }) && h.reconciles === 2);
      assert.deepEqual(h.signals, []);
      assert.equal(h.validations, validationsAtStart);
      assert.deepEqual(h.syncs, ['startup', 'change, pushing as written']);
    });
  }

  it('when JWTs and the config change together in server mode then it mirrors, reloads, then reconciles', async () => {
    const h = await startedHarness();
    h.send({ type: 'FS_CHANGED', cause: 'jwt', paths: [] });
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }) && h.reconciles === 2);
    assert.deepEqual(h.signals, ['SIGHUP']);
    assert.deepEqual(h.syncs, ['startup', 'change']);
  });

  it('when a change arrives during a restart then it is kept and handled once running', async () => {
    const h = await startedHarness({ mode: 'leaf' });
    h.send({ type: 'FS_CHANGED', cause: 'creds', paths: [] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { restarting: 'signalling' }));
    h.send({ type: 'FS_CHANGED', cause: 'tls', paths: [] });
    assert.deepEqual(h.actor.getSnapshot().context.pendingCauses, ['tls']);
    h.world.readyHeld = true;
    h.exitServer(0);
    await h.until((s) => inState(s, 'starting'));
    h.send({ type: 'FS_CHANGED', cause: 'creds', paths: [] });
    h.releaseReady();
    await h.until((s) => inState(s, { running: 'settling' }));
    assert.deepEqual(h.actor.getSnapshot().context.pendingCauses, ['creds']);
  });
});

describe('supervisor statechart: crashes and stops', () => {
  it('when nats-server dies then it backs off 1 s, doubling, and starts again', async () => {
    const h = await startedHarness();
    h.exitServer(null, 'SIGKILL');
    await h.until((s) => inState(s, 'backingOff'));
    h.clock.increment(999);
    assert.equal(h.state(), 'backingOff');
    h.clock.increment(1);
    await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.crashes === 1);
    h.exitServer(2);
    await h.until((s) => inState(s, 'backingOff'));
    h.clock.increment(1999);
    assert.equal(h.state(), 'backingOff');
    h.clock.increment(1);
    await h.until((s) => inState(s, { running: 'idle' }) && s.context.server.crashes === 2);
  });

  it('when nats-server crashes ten times in a row then it fails with exit 1', async () => {
    const h = await startedHarness();
    for (let i = 1; i <= 9; i++) {
      h.exitServer(1);
      await h.until((s) => inState(s, 'backingOff'));
      h.clock.increment(30_000);
      await h.until((s) => inState(s, { running: 'idle' }));
    }
    h.exitServer(1);
    const s = await h.until((s) => s.status === 'done');
    assert.equal(h.state(), 'failed');
    assert.equal(s.context.exitCode, 1);
  });

  it('when nats-server stayed up for a minute then its next crash starts the count over', async () => {
    const h = await startedHarness();
    h.exitServer(1, null, 10);
    await h.until((s) => inState(s, 'backingOff'));
    h.clock.increment(1000);
    await h.until((s) => inState(s, { running: 'idle' }));
    h.exitServer(1, null, 61_000);
    const s = await h.until((s) => inState(s, 'backingOff'));
    assert.equal(s.context.consecutiveCrashes, 1);
  });

  it('when SHUTDOWN arrives then SIGTERM is sent and exit 0 follows the server exit', async () => {
    const h = await startedHarness();
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    assert.deepEqual(h.signals, ['SIGTERM']);
    h.exitServer(1);
    const s = await h.until((s) => s.status === 'done');
    assert.equal(h.state(), 'stopped');
    assert.equal(s.context.exitCode, 0);
  });

  it('when the supervisor itself fails then nats-server is stopped gracefully all the same and the exit code is 1', async () => {
    const h = await startedHarness();
    h.send({ type: 'SHUTDOWN', signal: 'internal-error', failure: 'internal error: boom' });
    assert.deepEqual(h.signals, ['SIGTERM']);
    h.exitServer(0);
    const s = await h.until((s) => s.status === 'done');
    assert.equal(h.state(), 'stopped');
    assert.equal(s.context.exitCode, 1);
    assert.equal(s.context.lastError, 'internal error: boom');
  });

  it("when the server outlives its signal's share of the grace then SIGINT, then SIGKILL follows and the exit code is 1", async () => {
    const h = await startedHarness();
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    h.clock.increment(DEFAULT_DELAYS.signalTimeout);
    assert.deepEqual([h.state(), h.signals], ['stopping.ending', ['SIGTERM', 'SIGINT']]);
    h.clock.increment(DEFAULT_DELAYS.finalTimeout);
    assert.deepEqual(h.signals, ['SIGTERM', 'SIGINT', 'SIGKILL']);
    h.exitServer(null, 'SIGKILL');
    assert.equal((await h.until((s) => s.status === 'done')).context.exitCode, 1);
  });

  it('when NATS_SHUTDOWN is lame-duck then SIGUSR2 is sent', async () => {
    const h = await startedHarness({ shutdown: 'lame-duck' });
    h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
    assert.deepEqual(h.signals, ['SIGUSR2']);
  });

  it('when SHUTDOWN arrives while backing off then it stops at once', async () => {
    const h = await startedHarness();
    h.exitServer(1);
    await h.until((s) => inState(s, 'backingOff'));
    h.send({ type: 'SHUTDOWN', signal: 'SIGINT' });
    const s = await h.until((s) => s.status === 'done');
    assert.equal(h.state(), 'stopped');
    assert.equal(s.context.exitCode, 0);
  });

  it('when SIGUSR1 is forwarded then the server receives it', async () => {
    const h = await startedHarness();
    h.send({ type: 'FORWARD_SIGNAL', signal: 'SIGUSR1' });
    assert.deepEqual(h.signals, ['SIGUSR1']);
  });
});

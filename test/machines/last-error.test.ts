import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startedHarness, inState } from './harness.js';

describe('supervisor statechart: the last error clears when its fault is gone', () => {
  it('when the JWT mirror fails and then works then the error it left is cleared', async () => {
    const h = await startedHarness();
    h.world.mirrorFails = true;
    h.send({ type: 'FS_CHANGED', cause: 'jwt', paths: [] });
    h.clock.increment(100);
    await h.until((s) => /JWT mirror failed/.test(s.context.lastError ?? '') && inState(s, { running: 'idle' }));
    h.world.mirrorFails = false;
    h.clock.increment(5000);
    h.clock.increment(100);
    const s = await h.until((s) => inState(s, { running: 'idle' }) && s.context.lastError === null, 'the error cleared by the mirror that worked');
    assert.equal(s.context.errorSource, null);
  });

  it('when nats-server crashes and the new one has caught up then the crash is no longer the last error; its count stays', async () => {
    const h = await startedHarness({ world: { catchesUp: false } });
    h.catchUp();
    h.exitServer(1);
    assert.match(h.actor.getSnapshot().context.lastError ?? '', /exited unexpectedly/);
    h.clock.increment(1000);
    await h.until((s) => inState(s, { running: 'idle' }));
    assert.match(h.actor.getSnapshot().context.lastError ?? '', /exited unexpectedly/, 'kept while the new one catches up');
    h.catchUp();
    const c = h.actor.getSnapshot().context;
    assert.equal(c.lastError, null);
    assert.equal(c.server.crashes, 1);
  });

  it('when an error names a fault whose end the chart cannot see then a later, unrelated recovery leaves it', async () => {
    const h = await startedHarness();
    h.world.valid = false;
    h.send({ type: 'FS_CHANGED', cause: 'config', paths: [] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }) && s.context.lastReload?.outcome === 'rejected');
    const rejected = h.actor.getSnapshot().context.lastError;
    assert.ok(rejected);
    const syncs = h.syncs.length;
    h.send({ type: 'FS_CHANGED', cause: 'jwt', paths: [] });
    h.clock.increment(100);
    await h.until((s) => inState(s, { running: 'idle' }) && h.syncs.length > syncs, 'a JWT sync that works');
    assert.equal(h.actor.getSnapshot().context.lastError, rejected, 'a mirror that works does not clear a rejected config');
  });

  it('when a claims push fails then JWTs are not marked as running, and the reconcile is tried again until it completes', async () => {
    const h = await startedHarness();
    h.world.pushFails = true;
    const reconciles = h.reconciles;
    const marked = () => h.running.filter((r) => r === 'runs taken: jwt').length;
    const markedBefore = marked();
    h.send({ type: 'FS_CHANGED', cause: 'jwt', paths: [] });
    h.clock.increment(100);
    const firstError = /reconcile incomplete: the claims push failed for 1 account\(s\); tried again in 10 s$/;
    await h.until((s) => inState(s, { running: 'idle' }) && firstError.test(s.context.lastError ?? ''));
    assert.equal(marked(), markedBefore, 'drift still says jwt behind');
    h.clock.increment(10_000);
    await h.until((s) => inState(s, { running: 'idle' }) && h.reconciles === reconciles + 2, 'a second reconcile, on its own');
    assert.match(h.actor.getSnapshot().context.lastError ?? '', /reconcile incomplete: .*; tried again in 20 s$/, 'the retry backs off');
    h.world.pushFails = false;
    h.clock.increment(10_000);
    assert.equal(h.reconciles, reconciles + 2, 'not yet: 20 s after the second failure');
    h.clock.increment(10_000);
    const s = await h.until((s) => inState(s, { running: 'idle' }) && s.context.lastError === null, 'the reconcile that completes');
    assert.equal(h.reconciles, reconciles + 3);
    assert.equal(marked(), markedBefore + 1, 'in step once it completed');
    assert.equal(s.context.reconcileDue, false);
    assert.equal(s.context.reconcileFailures, 0, 'the next failure waits 10 s again');
    h.clock.increment(60_000);
    assert.equal(h.reconciles, reconciles + 3, 'no retry once it completed');
  });

  it("when a purge waits for another member's mount then the purge region says so, no error is kept, it is asked again after 5 s, then longer", async () => {
    const h = await startedHarness();
    h.world.purgeWaits = true;
    const reconciles = h.reconciles;
    h.send({ type: 'FS_CHANGED', cause: 'jwt', paths: [] });
    h.clock.increment(100);
    const waiting = await h.until((s) => inState(s, { running: 'idle' }) && s.matches({ supervising: { purge: 'awaitingCluster' } }), 'the purge waiting');
    assert.equal(waiting.context.lastError, null, 'waiting is no fault');
    assert.equal(waiting.context.reconcileFailures, 0, 'and no backoff');
    h.clock.increment(5000);
    await h.until((s) => inState(s, { running: 'idle' }) && h.reconciles === reconciles + 2, 'asked again after 5 s');
    h.world.purgeWaits = false;
    h.clock.increment(5000);
    assert.equal(h.reconciles, reconciles + 2, 'not yet: the next ask waits 10 s');
    h.clock.increment(5000);
    await h.until((s) => inState(s, { running: 'idle' }) && s.matches({ supervising: { purge: 'settled' } }), 'settled once no purge waits');
    assert.equal(h.reconciles, reconciles + 3);
    assert.equal(h.actor.getSnapshot().context.purgeAsks, 0, 'the next wait starts at 5 s again');
    h.clock.increment(60_000);
    assert.equal(h.reconciles, reconciles + 3, 'not asked again once settled');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { ClaimsPusher } from '../../../src/operator/claims-pusher.js';
import type { JwtMirror } from '../../../src/operator/jwt-mirror.js';
import type { CallResult, SystemClient } from '../../../src/operator/system-client.js';

/** A resolver dir (account → sha256) and a server that records each push and answers as told. */
function world(accounts: Record<string, string>) {
  const resolver = new Map(Object.entries(accounts));
  const pushes: string[] = [];
  const refuse = new Set<string>();
  const client = {
    clusterSize: async () => 1,
    pushClaims: async (jwt: string): Promise<CallResult> => {
      pushes.push(jwt);
      return refuse.has(jwt) ? { ok: false, error: 'jwt store is full' } : { ok: true };
    },
  } as unknown as SystemClient;
  const mirror = { accounts: () => new Map(resolver), jwt: (account: string) => `jwt-of-${account}` } as unknown as JwtMirror;
  const pusher = new ClaimsPusher(client, mirror, pino({ level: 'silent' }));
  return { resolver, pushes, refuse, pusher };
}

describe('the claims pusher', () => {
  it('when the first reconcile runs then the start-up set counts as pushed: nats-server loaded it itself', async () => {
    const w = world({ A: 'a1', B: 'b1' });
    assert.deepEqual(await w.pusher.pushChanged(), { pushed: 0, failed: 0 });
    assert.deepEqual(w.pushes, []);
  });

  it("when an account's JWT changed then only that one is pushed, once", async () => {
    const w = world({ A: 'a1', B: 'b1' });
    await w.pusher.pushChanged();
    w.resolver.set('A', 'a2');
    assert.deepEqual(await w.pusher.pushChanged(), { pushed: 1, failed: 0 });
    assert.deepEqual(await w.pusher.pushChanged(), { pushed: 0, failed: 0 });
    assert.deepEqual(w.pushes, ['jwt-of-A']);
  });

  it('when an account is pushed as its file is written then the reconcile counts it and pushes only what else is due', async () => {
    const w = world({ A: 'a1', B: 'b1' });
    w.pusher.pushAsWritten('A', 'a0', 'early');
    assert.deepEqual(w.pushes, [], 'before the first reconcile nothing is pushed early');
    await w.pusher.pushChanged();
    w.resolver.set('A', 'a2');
    w.resolver.set('B', 'b2');
    w.pusher.pushAsWritten('A', 'a2', 'jwt-of-A');
    assert.deepEqual(await w.pusher.pushChanged(), { pushed: 2, failed: 0 });
    assert.deepEqual(w.pushes.sort(), ['jwt-of-A', 'jwt-of-B']);
  });

  it('when a push is refused then it counts as failed and is due again at the next reconcile', async () => {
    const w = world({ A: 'a1' });
    await w.pusher.pushChanged();
    w.resolver.set('A', 'a2');
    w.refuse.add('jwt-of-A');
    const aborted = AbortSignal.abort(); // no waits between retries in a unit test
    assert.deepEqual(await w.pusher.pushChanged(aborted), { pushed: 0, failed: 1 });
    w.refuse.clear();
    assert.deepEqual(await w.pusher.pushChanged(), { pushed: 1, failed: 0 });
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { openLeaseBucket, RestartLease } from '../../../src/cluster/restart-lease.js';
import { perTestCleanup } from '../../support/cleanup.js';
import { freePort } from '../../support/ports.js';
import { serverBin } from '../../support/supervise.js';
import { eventually } from '../../support/wait.js';

const cleanup = perTestCleanup();

/** A standalone JetStream nats-server and a connection to it; the lease bucket is R1 here. */
async function jetStreamServer(): Promise<{ connectMember: () => Promise<NatsConnection> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-lease-'));
  const port = await freePort();
  const server = spawn(serverBin(), ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
  cleanup.push(async () => {
    const exited = once(server, 'exit');
    server.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  });
  const connectMember = async (): Promise<NatsConnection> => {
    const nc = await eventually('nats-server to take connections', () => connect({ servers: `127.0.0.1:${port}`, reconnect: false }), 10_000);
    cleanup.push(() => nc.close());
    return nc;
  };
  return { connectMember };
}

async function leaseOf(nc: NatsConnection, member: string, ttlMs = 60_000): Promise<RestartLease> {
  return new RestartLease(await openLeaseBucket(nc, { ttlMs, replicas: 1 }), member);
}

describe('the restart lease, against a real nats-server', () => {
  it('when a member takes the free lease then it holds it, and the others are told who does', async () => {
    const { connectMember } = await jetStreamServer();
    const [a, b] = [await leaseOf(await connectMember(), 'n0'), await leaseOf(await connectMember(), 'n1')];
    assert.deepEqual(await a.take(), { taken: true });
    assert.equal(a.held, true);
    const answer = await b.take();
    assert.deepEqual(answer.taken ? null : answer.holder, 'n0');
    assert.equal(b.held, false);
    assert.equal(await b.holder(), 'n0');
  });

  it('when a member whose supervisor restarted takes the lease it still holds then it holds it again', async () => {
    const { connectMember } = await jetStreamServer();
    await (await leaseOf(await connectMember(), 'n0')).take();
    const again = await leaseOf(await connectMember(), 'n0');
    assert.deepEqual(await again.take(), { taken: true });
    assert.equal(await again.release(), 'released');
  });

  it('when members race for the lease then exactly one takes it, and the next takes it once released', async () => {
    const { connectMember } = await jetStreamServer();
    const leases = await Promise.all(['n0', 'n1', 'n2'].map(async (m) => leaseOf(await connectMember(), m)));
    const answers = await Promise.all(leases.map((l) => l.take()));
    const winners = leases.filter((l) => l.held);
    assert.equal(winners.length, 1, `one winner: ${JSON.stringify(answers)}`);
    const winner = winners[0]!;
    for (const a of answers) if (!a.taken) assert.equal(a.holder, winner.member);
    assert.equal(await winner.release(), 'released');
    const next = leases.find((l) => l !== winner)!;
    assert.deepEqual(await next.take(), { taken: true });
  });

  it('when the holder stops refreshing then the lease expires and another member takes it; the old holder finds it gone', async () => {
    const { connectMember } = await jetStreamServer();
    const [a, b] = [await leaseOf(await connectMember(), 'n0', 1000), await leaseOf(await connectMember(), 'n1', 1000)];
    await a.take();
    await eventually('the lease to expire', async () => (await b.take()).taken, 10_000);
    await assert.rejects(a.refresh(), 'a refresh of a lease taken over fails');
    assert.equal(a.held, false);
    assert.equal(await a.release(), 'gone');
    assert.equal(await b.holder(), 'n1', 'the old holder did not delete the new one');
  });

  it('when the holder refreshes then the lease outlives its age', async () => {
    const { connectMember } = await jetStreamServer();
    const [a, b] = [await leaseOf(await connectMember(), 'n0', 1000), await leaseOf(await connectMember(), 'n1', 1000)];
    await a.take();
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      assert.equal(await a.refresh(), true);
      assert.equal((await b.take()).taken, false, 'held while refreshed');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('when a refresh or a release was written but its answer lost then the lease is still ours, or already gone, and nothing fails', async () => {
    const { connectMember } = await jetStreamServer();
    const nc = await connectMember();
    const a = await leaseOf(nc, 'n0');
    await a.take();
    // The write landed; the answer did not reach the lease (a failover): its revision is behind.
    const kv = await openLeaseBucket(nc, { ttlMs: 60_000, replicas: 1 });
    await kv.put('lease', 'n0');
    assert.equal(await a.refresh(), true, 'the newer revision is still ours');
    assert.equal(await a.refresh(), true, 'and refreshed from there');
    await kv.delete('lease');
    assert.equal(await a.release(), 'gone', 'a release whose delete landed before is not an error');
    const b = await leaseOf(await connectMember(), 'n1');
    assert.deepEqual(await b.take(), { taken: true });
  });

  it('when the lease is held under a name that is no member then a member takes it over at its revision, and only once', async () => {
    const { connectMember } = await jetStreamServer();
    const nc = await connectMember();
    await (await openLeaseBucket(nc, { ttlMs: 60_000, replicas: 1 })).put('lease', 'old-cluster-0');
    const [a, b] = [await leaseOf(nc, 'n0'), await leaseOf(await connectMember(), 'n1')];
    const [seenByA, seenByB] = [await a.take(), await b.take()];
    assert.ok(!seenByA.taken && !seenByB.taken && seenByA.revision !== null && seenByA.revision === seenByB.revision);
    const overs = await Promise.all([a.takeOver(seenByA.revision!), b.takeOver(seenByB.revision!)]);
    assert.deepEqual(overs.filter(Boolean).length, 1, 'one of two racing members takes it over');
    assert.equal(await a.holder(), a.held ? 'n0' : 'n1');
  });
});

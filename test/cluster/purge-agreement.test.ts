import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type ConnectionOptions } from '@nats-io/transport-node';
import { createReplicatedStreams } from '../support/acked-publisher.js';
import { perTestCleanup } from '../support/cleanup.js';
import type { TestCluster } from '../support/cluster.js';
import { LINE } from '../support/cluster-run.js';
import { templateCluster, userOf } from '../support/iofog-template.js';
import { OperatorWorld } from '../support/operator.js';
import { eventually } from '../support/wait.js';

const cleanup = perTestCleanup();
/** How long the first mount runs ahead of the others: a ConfigMap lands on each kubelet at its own time. */
const STAGGER_MS = 120_000;
const SAMPLE_MS = 10_000;

async function publish(cluster: TestCluster, auth: ConnectionOptions, subject: string, count: number): Promise<void> {
  const nc = await connect({ servers: cluster.clientUrls, ...auth });
  try {
    const js = jetstream(nc);
    for (let i = 0; i < count; i++) await js.publish(subject, `m${i}`);
  } finally {
    await nc.close();
  }
}

/** The messages of stream FILE as `auth`'s account sees them; null once the stream is gone. */
async function messagesIn(cluster: TestCluster, auth: ConnectionOptions): Promise<number | null> {
  const nc = await connect({ servers: cluster.clientUrls, ...auth });
  try {
    return (await (await jetstreamManager(nc, { timeout: 5000 })).streams.info('FILE')).state.messages;
  } catch (err) {
    if (/stream not found/.test(String(err))) return null;
    throw err;
  } finally {
    await nc.close();
  }
}

const purgesOf = (cluster: TestCluster, account: string) =>
  cluster.members.flatMap((m) => m.sup!.lines.filter((l) => l.account === account && l.outcome === 'purged').map(() => m.name));
const purgeRegion = async (cluster: TestCluster, i: number): Promise<string> =>
  ((await (await fetch(`http://127.0.0.1:${cluster.members[i]!.statusPort}/state`)).json()) as { member: { purge: string } }).member.purge;

describe(`a purge the cluster agrees to: the ioFog operator's template, three members on nats-server ${LINE}`, () => {
  it('when an account leaves one mount two minutes before the others then its data stays until the last mount drops it, then it is purged once', async () => {
    const world = await OperatorWorld.create();
    const [app, gone] = [await world.account('APP'), await world.account('GONE')];
    const { cluster } = await templateCluster(world, [app, gone], cleanup);
    cluster.startAll();
    await Promise.all(cluster.members.map((_, i) => cluster.waitHealthy(i)));
    const root = cluster.members[0]!.layout.root;
    const [appUser, goneUser] = [await userOf(world, app, root), await userOf(world, gone, root)];
    for (const user of [appUser, goneUser]) {
      await createReplicatedStreams(cluster.clientUrls, user);
      await publish(cluster, user, 'file.x', 20);
    }
    const dropFrom = (i: number) => rm(path.join(cluster.members[i]!.layout.jwtMount, `${gone.key}.jwt`));

    const n0 = cluster.members[0]!.sup!;
    const from = n0.mark();
    await dropFrom(0);
    // Its first ask may find a member's service not registered yet: that is a wait too, said as such.
    const bothHold = String(["n1's mount still holds it", "n2's mount still holds it"]);
    await n0.waitForLog('the purge waiting on both mounts', (l) => l.account === gone.key && String(l.reasons) === bothHold, { from, timeoutMs: 30_000 });
    assert.equal(await purgeRegion(cluster, 0), 'awaitingCluster');

    // The other mounts lag two minutes (past the full resolver's 2 min sync): the data stays all that time.
    for (const until = Date.now() + STAGGER_MS; Date.now() < until;) {
      assert.equal(await messagesIn(cluster, goneUser), 20, "GONE's stream while other mounts hold it");
      assert.deepEqual(purgesOf(cluster, gone.key), [], 'no member purged it');
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
    const n1 = cluster.members[1]!.sup!;
    const n1From = n1.mark();
    await dropFrom(1);
    // n1's own reconcile asks at once; n0 asks again on its backoff (5 s doubling up to 1 min).
    const onlyN2 = "n2's mount still holds it";
    await n1.waitForLog('n1 waiting on n2 only', (l) => l.account === gone.key && String(l.reasons) === onlyN2, { from: n1From, timeoutMs: 30_000 });
    assert.equal(await messagesIn(cluster, goneUser), 20);

    await dropFrom(2);
    await eventually('the purge', () => purgesOf(cluster, gone.key).length > 0, 30_000);
    await eventually("GONE's stream to go", async () => (await messagesIn(cluster, goneUser)) === null, 30_000);
    for (const [i, m] of cluster.members.entries()) {
      await eventually(`${m.name}'s purge region settled`, async () => (await purgeRegion(cluster, i)) === 'settled', 90_000);
      const streams = await readdir(path.join(m.layout.storeDir, 'jetstream', gone.key, 'streams')).catch(() => []);
      assert.deepEqual(streams, [], `${m.name} stores no stream of GONE`);
    }
    // A member settles after a reconcile that found no wait: it purged, or found nothing of GONE left to purge.
    assert.equal(purgesOf(cluster, gone.key).length, 1, `purged once: ${purgesOf(cluster, gone.key).join(', ')}`);
    console.log(`# purged by ${purgesOf(cluster, gone.key).join()}`);
    assert.equal(await messagesIn(cluster, appUser), 20, "APP's data is untouched");
  });
});

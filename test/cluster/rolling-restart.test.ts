import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { perTestCleanup } from '../support/cleanup.js';
import { assertNothingLost, LINE, runningCluster } from '../support/cluster-run.js';
import { eventually } from '../support/wait.js';

const cleanup = perTestCleanup();
/** How many rolls each test makes in a row (CLUSTER_ROLLS=20 locally before trusting a change). */
const ROLLS = Number(process.env.CLUSTER_ROLLS ?? 1);

describe(`a three-member JetStream cluster under the supervisor on nats-server ${LINE}`, () => {
  it('when the cluster is up then each member shows its view of it in /state and /metrics', async () => {
    const { cluster, publisher } = await runningCluster('view', cleanup);
    await publisher.stop();
    type View = { name: string; metaLeader: string | null; peers: { name: string }[] };
    const viewOf = async (i: number): Promise<View | undefined> => {
      const state = (await (await fetch(`http://127.0.0.1:${cluster.members[i]!.statusPort}/state`)).json()) as { cluster: View | null };
      return state.cluster?.metaLeader ? state.cluster : undefined;
    };
    const view = await eventually('a cluster view with a meta leader', () => viewOf(0), 20_000);
    assert.equal(view.name, 'test');
    const leader = cluster.members.findIndex((m) => m.name === view.metaLeader);
    assert.ok(leader >= 0, `the meta leader ${view.metaLeader} is a member`);
    // Only the meta leader knows every peer (2.10's followers list none of them).
    const others = cluster.members.filter((_, i) => i !== leader).map((m) => m.name);
    const leaderView = await eventually("the meta leader's view", () => viewOf(leader), 20_000);
    assert.deepEqual(leaderView.peers.map((p) => p.name).sort(), others);
    const metrics = await (await fetch(`http://127.0.0.1:${cluster.members[leader]!.statusPort}/metrics`)).text();
    assert.match(metrics, /^iofog_nats_cluster_peers\{state="current"\} 2$/m);
  });

  it("when the members are restarted one by one, each gated on its supervisor's /healthz, then no acked message is lost", async () => {
    const { cluster, publisher } = await runningCluster('roll', cleanup);
    for (let roll = 0; roll < ROLLS; roll++) {
      for (let i = 0; i < cluster.members.length; i++) {
        assert.deepEqual(await cluster.stop(i), { code: 0, signal: null }, `${cluster.members[i]!.name} stopped cleanly`);
        cluster.start(i);
        const gate = await cluster.waitHealthy(i);
        assert.equal(gate.caughtUp, true);
      }
    }
    await assertNothingLost(cluster, await publisher.stop());
  });

  it("when each member is stopped as soon as the previous one's nats-server answers then they wait for each other and none is lost", async () => {
    const { cluster, publisher } = await runningCluster('fast-roll', cleanup);
    for (let roll = 0; roll < ROLLS; roll++) {
      for (let i = 0; i < cluster.members.length; i++) {
        assert.deepEqual(await cluster.stop(i), { code: 0, signal: null }, `${cluster.members[i]!.name} stopped cleanly`);
        cluster.start(i);
        await eventually(`${cluster.members[i]!.name}'s nats-server to answer`, async () => (await cluster.monitor(i, '/varz')) !== null, 30_000);
      }
    }
    await Promise.all(cluster.members.map((_, i) => cluster.waitHealthy(i)));
    const records = await publisher.stop();
    await assertNothingLost(cluster, records);
    const waits = cluster.members.flatMap((_, i) => cluster.linesOf(i).filter((l) => l.msg === 'waiting to leave: the cluster cannot spare this member yet'));
    console.log(`waits to be spared: ${waits.length}: ${waits.map((l) => String(l.reason)).join(' | ')}`);
  });
});

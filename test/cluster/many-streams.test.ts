import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { perTestCleanup } from '../support/cleanup.js';
import type { TestCluster } from '../support/cluster.js';
import { assertNothingLost, LINE, runningCluster } from '../support/cluster-run.js';

const cleanup = perTestCleanup();
const STREAMS = Number(process.env.TEST_MANY_STREAMS ?? 2000);
/** Requests in flight while building: more made the JetStream API time out on this VM (docs/performance.md). */
const PARALLEL = 16;

/** STREAMS streams, every third R3, the rest R1 spread over the members; an add that timed out is asked again. */
async function manyStreams(cluster: TestCluster): Promise<number> {
  const t0 = Date.now();
  const nc = await connect({ servers: cluster.clientUrls, timeout: 20_000 });
  cleanup.push(() => nc.close());
  const jsm = await jetstreamManager(nc, { timeout: 60_000 });
  let next = 0;
  const add = async (i: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await jsm.streams.add({ name: `S${i}`, subjects: [`s.${i}`], num_replicas: i % 3 === 0 ? 3 : 1 });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  };
  const worker = async (): Promise<void> => {
    for (let i = next++; i < STREAMS; i = next++) await add(i);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return (Date.now() - t0) / 1000;
}

describe(`a cluster holding thousands of streams, three members on nats-server ${LINE}`, () => {
  it(`when it holds ${STREAMS} streams and the members restart one by one, each gated on its supervisor's /healthz, then none is lost`, async () => {
    const { cluster, publisher } = await runningCluster('many', cleanup);
    const builtS = await manyStreams(cluster);
    const rolls: string[] = [];
    for (let i = 0; i < cluster.members.length; i++) {
      const t0 = Date.now();
      assert.deepEqual(await cluster.stop(i), { code: 0, signal: null }, `${cluster.members[i]!.name} stopped cleanly`);
      cluster.start(i);
      const gate = await cluster.waitHealthy(i, 300_000);
      assert.equal(gate.caughtUp, true);
      rolls.push(`${cluster.members[i]!.name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    console.log(`# ${STREAMS} streams built in ${builtS.toFixed(0)} s; stop to healthy again: ${rolls.join(', ')}`);
    await assertNothingLost(cluster, await publisher.stop());
  });
});

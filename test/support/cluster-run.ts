import assert from 'node:assert/strict';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { AckedPublisher, createReplicatedStreams, missingAcked, type StreamRecord } from './acked-publisher.js';
import type { Cleanup } from './cleanup.js';
import { TestCluster } from './cluster.js';
import type { Layout } from './layout.js';
import { eventually } from './wait.js';
import { serverLine } from './supervise.js';

/** The nats-server line under test, e.g. `2.15`. */
export const LINE = serverLine();

interface StreamState {
  name: string;
  state: { messages: number; first_seq: number; last_seq: number };
}
type Jsz = { account_details?: { stream_detail?: StreamState[] }[] };

/**
 * Three members started at once, as a StatefulSet with `podManagementPolicy: Parallel` starts them, each healthy,
 * with every member in the JetStream meta group. nats-server 2.10 sometimes forms the meta group without one
 * of them (cluster_size 2, "no suitable peers for placement" for an R3 stream, never mended): that is not what
 * these tests are about, so such a cluster is thrown away and a fresh one formed (docs/cluster.md).
 */
async function formedCluster(
  name: string,
  cleanup: Cleanup[],
  env: Record<string, string>,
  beforeStart?: (layouts: Layout[]) => Promise<void>,
): Promise<TestCluster> {
  for (let attempt = 1; ; attempt++) {
    const cluster = await TestCluster.create(name, { env });
    cleanup.push(() => cluster.dispose());
    await beforeStart?.(cluster.members.map((m) => m.layout));
    cluster.startAll();
    await Promise.all(cluster.members.map((_, i) => cluster.waitHealthy(i)));
    const formed = await eventually('every member in the meta group', () => cluster.metaGroupSize().then((n) => n === cluster.members.length), 20_000).then(
      () => true,
      () => false,
    );
    if (formed) return cluster;
    if (attempt === 3) throw new Error(`the meta group never held every member in ${attempt} tries\n${await cluster.diagnosis()}`);
    console.log(`# nats-server ${LINE} formed the meta group without a member (try ${attempt}); forming a fresh cluster`);
    await cluster.dispose();
  }
}

/** A healthy three-member cluster with the R3 streams, and a publisher that has had its first acks. */
export async function runningCluster(
  name: string,
  cleanup: Cleanup[],
  env: Record<string, string> = {},
  beforeStart?: (layouts: Layout[]) => Promise<void>,
): Promise<{ cluster: TestCluster; publisher: AckedPublisher }> {
  const cluster = await formedCluster(name, cleanup, env, beforeStart);
  await createReplicatedStreams(cluster.clientUrls).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await cluster.diagnosis()}`);
  });
  const publisher = await AckedPublisher.start(cluster.clientUrls, ['FILE', 'MEM']);
  cleanup.push(() => publisher.stop());
  await eventually('the first acks', () => publisher.records.every((r) => r.acked.size > 50), 60_000);
  return { cluster, publisher };
}

async function replicaState(monitorPort: number, stream: string): Promise<StreamState | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/jsz?accounts=true&streams=true`, { signal: AbortSignal.timeout(2000) });
    const jsz = (await res.json()) as Jsz;
    return jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((x) => x.name === stream);
  } catch {
    return undefined;
  }
}

/** Every acked message is in the stream, and every member's replica (by its monitoring port) holds at least as much. */
export async function assertNothingLost(
  members: { clientUrls: string[]; monitorPorts: number[] },
  records: StreamRecord[],
  auth: ConnectionOptions = {},
): Promise<void> {
  for (const r of records) {
    assert.ok(r.acked.size > 0, `${r.stream}: something was acked`);
    assert.deepEqual(await missingAcked(members.clientUrls, r, auth), [], `${r.stream}: acked messages lost`);
    const last = Math.max(...r.acked.values());
    for (const port of members.monitorPorts) {
      await eventually(
        `the replica of ${r.stream} monitored on ${port} to hold every acked message`,
        async () => {
          const s = await replicaState(port, r.stream);
          return s !== undefined && s.state.first_seq === 1 && s.state.last_seq >= last && s.state.messages >= r.acked.size;
        },
        30_000,
      );
    }
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { askLeaveBlockers } from '../../src/cluster/spare-check.js';
import { goneOnly, leaveBlockers, type Blocker, type Jsz } from '../../src/cluster/spare-rule.js';
import { fetchJszConsumers, fetchVarz } from '../../src/nats-server/monitor.js';
import { perTestCleanup } from '../support/cleanup.js';
import { TestCluster } from '../support/cluster.js';
import { eventually } from '../support/wait.js';

const cleanup = perTestCleanup();

/** What /jsz with every consumer says: the one page that shows consumer groups on every line. */
async function byJszAlone(port: number): Promise<Blocker[]> {
  const [varz, jsz] = await Promise.all([fetchVarz(port), fetchJszConsumers(port)]);
  return leaveBlockers(jsz as Jsz, varz.server_name ?? '');
}

/** A reason with the group's name taken out: /raftz names a consumer by its raft group, /jsz by stream and name. */
const shapes = (blockers: Blocker[]): string[] =>
  blockers.map((b) => b.reason.replace(/^(stream \S+|consumer group \S+ \(account \S+\)|consumer \S+ > \S+)/, (m) => m.split(' ')[0]!)).sort();

describe('the leave decision on a real cluster', () => {
  it('when a member stops then the others name every group it leaves short, as /jsz with every consumer does; with all up, none', async () => {
    const cluster = await TestCluster.create('leave-decision');
    cleanup.push(() => cluster.dispose());
    cluster.members.forEach((_, i) => cluster.startBare(i));
    await eventually('a meta leader', async () => (await cluster.metaGroupSize()) === 3, 60_000);
    const nc = await connect({ servers: cluster.clientUrls });
    cleanup.push(() => nc.close());
    const jsm = await jetstreamManager(nc, { timeout: 20_000 });
    for (const [name, replicas] of [
      ['R3', 3],
      ['R1', 1],
    ] as const) {
      await jsm.streams.add({ name, subjects: [name.toLowerCase()], num_replicas: replicas });
      await jsm.consumers.add(name, { durable_name: 'C', ack_policy: AckPolicy.Explicit });
    }
    const ports = cluster.monitorPorts;
    for (const port of ports) await eventually(`${port} may leave`, async () => (await askLeaveBlockers(port)).length === 0, 30_000);

    await cluster.stopBare(2, 'SIGTERM');
    for (const port of ports.slice(0, 2)) {
      // Both settle once nats-server has heard that n2 shut down; until then n2 may be only not current.
      const [asked, alone] = await eventually(
        `${port} to say what /jsz says, with n2 gone`,
        async () => {
          const both = await Promise.all([askLeaveBlockers(port), byJszAlone(port)]);
          const settled = both.every((b) => goneOnly(b).join() === 'n2');
          return settled && JSON.stringify(shapes(both[0])) === JSON.stringify(shapes(both[1])) && both;
        },
        30_000,
      );
      // The R3 stream and its consumer (and the meta layer, where nats-server shows this member its replicas); the R1
      // stream and its consumer have no group to leave short.
      assert.deepEqual(
        shapes(asked)
          .map((r) => r.split(' ')[0])
          .filter((k) => k !== 'the'),
        ['consumer', 'stream'],
        JSON.stringify(asked),
      );
      assert.deepEqual(
        asked.map((b) => b.gone),
        alone.map((b) => b.gone),
      );
    }
  });
});

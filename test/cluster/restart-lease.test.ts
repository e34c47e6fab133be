import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { openLeaseBucket, RestartLease } from '../../src/cluster/restart-lease.js';
import { perTestCleanup } from '../support/cleanup.js';
import { TestCluster } from '../support/cluster.js';
import { LINE } from '../support/cluster-run.js';
import { eventually } from '../support/wait.js';

const cleanup = perTestCleanup();

describe(`the restart lease across a failover, on nats-server ${LINE}`, () => {
  it("when the holder's nats-server goes while it releases then the release reaches another member; the next one takes the lease at once", async () => {
    const cluster = await TestCluster.create('lease-failover');
    cleanup.push(() => cluster.dispose());
    cluster.members.forEach((_, i) => cluster.startBare(i));
    const [url0, url1] = cluster.clientUrls;
    // As the supervisor connects: to its own member first, failing over to the others it learns of.
    const holderNc = await eventually(
      'n0 to take connections',
      () => connect({ servers: [url0!, url1!], maxReconnectAttempts: -1, reconnectTimeWait: 250 }),
      20_000,
    );
    cleanup.push(() => holderNc.close());
    const ttlMs = 120_000;
    const holder = new RestartLease(await eventually('the R3 lease bucket', () => openLeaseBucket(holderNc, { ttlMs, replicas: 3 }), 30_000), 'n0');
    assert.deepEqual(await holder.take(), { taken: true });

    await cluster.stopBare(0, 'SIGKILL');
    // The actor retries a release that fails while the client fails over; here as often as it takes.
    let tries = 0;
    const released = await eventually(
      'the release to reach a remaining member',
      () => {
        tries++;
        return holder.release();
      },
      30_000,
    );
    // `gone` only where an earlier try's delete landed and its answer was lost in the failover (seen once in CI): the
    // lease cannot have expired (ttlMs) and nobody else took it, as the next member's quick take below shows.
    assert.ok(released === 'released' || tries > 1, `the first release said ${released}`);

    const otherNc = await connect({ servers: url1!, reconnect: false });
    cleanup.push(() => otherNc.close());
    // The JetStream API may answer only once the two members left have elected a meta leader (seconds); the lease
    // would expire only after ttlMs (120 s): taken within 30 s, it was released, not expired.
    const next = await eventually(
      'the next member to take the lease',
      async () => {
        const lease = new RestartLease(await openLeaseBucket(otherNc, { ttlMs, replicas: 3 }), 'n1');
        return (await lease.take()).taken && lease;
      },
      30_000,
    );
    assert.equal(next.held, true, 'taken long before the lease would have expired');
  });
});

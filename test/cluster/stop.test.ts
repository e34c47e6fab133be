import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import { perTestCleanup } from '../support/cleanup.js';
import { LINE, runningCluster } from '../support/cluster-run.js';
import { natsConnect } from '../support/nats.js';

const cleanup = perTestCleanup();
/** Kubernetes' default grace, which the ioFog operator leaves: the kubelet's SIGKILL would come this long after SIGTERM. */
const GRACE_MS = 30_000;
const IDLE_CLIENTS_PER_MEMBER = 30;

describe(`stopping the whole cluster on nats-server ${LINE}`, () => {
  it('when all three members get SIGTERM 1.5 s apart, with 30 idle clients each, then each exits on its own inside the 30 s grace, unkilled', async () => {
    const { cluster, publisher } = await runningCluster('staggered-stop', cleanup);
    const clients: NatsConnection[] = [];
    cleanup.push(() => Promise.all(clients.map((c) => c.close().catch(() => undefined))));
    for (const m of cluster.members) {
      for (let i = 0; i < IDLE_CLIENTS_PER_MEMBER; i++) clients.push(await natsConnect(m.layout, { reconnect: false }));
    }
    await publisher.stop();
    const stops = cluster.members.map(async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 1500));
      const t0 = Date.now();
      const exit = await cluster.stop(i);
      return { member: i, ms: Date.now() - t0, code: exit.code };
    });
    const exits = await Promise.all(stops);
    for (const e of exits) {
      assert.equal(e.code, 0, `member ${e.member} exited ${e.code} (1: nats-server was SIGKILLed) after ${e.ms} ms`);
      assert.ok(e.ms < GRACE_MS - 1000, `member ${e.member} took ${e.ms} ms of the ${GRACE_MS} ms grace`);
    }
    console.log(`# exits after SIGTERM: ${exits.map((e) => `n${e.member} ${(e.ms / 1000).toFixed(1)} s`).join(', ')}`);
  });
});

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
  it('when all three members get SIGTERM 1.5 s apart, with 30 idle clients each, then none waits on the others; each exits unkilled in the grace', async () => {
    const { cluster, publisher } = await runningCluster('staggered-stop', cleanup);
    const clients: NatsConnection[] = [];
    cleanup.push(() => Promise.all(clients.map((c) => c.close().catch(() => undefined))));
    for (const m of cluster.members) {
      for (let i = 0; i < IDLE_CLIENTS_PER_MEMBER; i++) clients.push(await natsConnect(m.layout, { reconnect: false }));
    }
    await publisher.stop();
    const stops = cluster.members.map(async (m, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 1500));
      const [t0, mark] = [Date.now(), m.sup!.mark()];
      const exit = await cluster.stop(i);
      const signalled = m.sup!.lines.slice(mark).find((l) => l.state === 'stopping.signalling');
      return { member: i, ms: Date.now() - t0, code: exit.code, waitedMs: Number(signalled?.time) - t0 };
    });
    const exits = await Promise.all(stops);
    for (const e of exits) {
      assert.equal(e.code, 0, `member ${e.member} exited ${e.code} (1: nats-server was SIGKILLed) after ${e.ms} ms`);
      assert.ok(e.ms < GRACE_MS - 1000, `member ${e.member} took ${e.ms} ms of the ${GRACE_MS} ms grace`);
      // The leave timeout is 17 s of the 30: the later members wait only on members that are leaving or gone.
      assert.ok(e.waitedMs < 5000, `member ${e.member} waited ${e.waitedMs} ms to be spared`);
    }
    const fmt = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
    console.log(`# after SIGTERM: ${exits.map((e) => `n${e.member} left after ${fmt(e.waitedMs)}, exited after ${fmt(e.ms)}`).join('; ')}`);
  });
});

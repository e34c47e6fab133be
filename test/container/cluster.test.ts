import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { AckedPublisher, createReplicatedStreams } from '../support/acked-publisher.js';
import { perTestCleanup } from '../support/cleanup.js';
import { assertNothingLost } from '../support/cluster-run.js';
import { Container, makeContainerLayout, waitHealthy, type ContainerLayout } from '../support/container.js';
import { removeLayout } from '../support/layout.js';
import { freeListenPort } from '../support/ports.js';
import { eventually } from '../support/wait.js';

const cleanup = perTestCleanup();

/** A member's config as nats-server in its container reads it; the routes reach the others on the host network. */
function memberConfig(name: string, l: ContainerLayout, clusterPort: number, routes: number[]): string {
  return (
    [
      `server_name: ${name}`,
      `listen: 127.0.0.1:${l.host.clientPort}`,
      `jetstream { store_dir: "${l.inside.storeDir}" }`,
      `cluster { name: test, listen: 127.0.0.1:${clusterPort}, routes: [${routes.map((p) => `nats-route://127.0.0.1:${p}`).join(', ')}] }`,
      'lame_duck_duration: 30s',
      'lame_duck_grace_period: 1s',
    ].join('\n') + '\n'
  );
}

describe('a three-member cluster of the image', () => {
  it('when the containers are stopped and started one by one, each gated on its health status, then no acked message is lost', async () => {
    const layouts = await Promise.all(['n0', 'n1', 'n2'].map((n) => makeContainerLayout(`cluster-${n}`)));
    cleanup.push(() => Promise.all(layouts.map((l) => removeLayout(l.host))));
    const clusterPorts = await Promise.all(layouts.map(() => freeListenPort()));
    await Promise.all(layouts.map((l, i) => writeFile(l.host.conf, memberConfig(`n${i}`, l, clusterPorts[i]!, clusterPorts))));
    const containers: Container[] = [];
    for (const l of layouts) {
      // The image's HEALTHCHECK, on this member's status port (three share the host network).
      const health = ['--health-cmd', `curl -fsS -o /dev/null http://127.0.0.1:${l.statusPort}/healthz`];
      const c = await Container.run(l, {
        restricted: true,
        options: [...health, '--health-interval', '1s', '--health-start-period', '1s', '--health-retries', '1'],
      });
      cleanup.push(() => c.remove());
      containers.push(c);
    }
    await Promise.all(containers.map((c) => waitHealthy(c, 120_000)));
    const servers = layouts.map((l) => `nats://127.0.0.1:${l.host.clientPort}`);
    await createReplicatedStreams(servers);
    const publisher = await AckedPublisher.start(servers, ['FILE', 'MEM']);
    cleanup.push(() => publisher.stop());
    await eventually('the first acks', () => publisher.records.every((r) => r.acked.size > 50), 20_000);
    for (const c of containers) {
      // The image's default NATS_STOP_GRACE_SECONDS is Kubernetes' 30 s: the whole stop is planned inside it.
      const { exitCode } = await c.stop(30);
      assert.equal(exitCode, 0, 'stopped cleanly, not killed');
      await c.start();
      await waitHealthy(c, 120_000);
    }
    const records = await publisher.stop();
    await assertNothingLost({ clientUrls: servers, monitorPorts: layouts.map((l) => l.host.monitorPort) }, records);
  });
});

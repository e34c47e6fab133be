import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { leaseServers } from '../../../src/cluster/lease-connection.js';
import { ServerConfig } from '../../../src/config/server-config.js';

async function peersOf(cluster: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-peers-'));
  try {
    await writeFile(path.join(dir, 'server.conf'), `listen: 0.0.0.0:4222\ncluster {\n${cluster}\n}\n`);
    return (await new ServerConfig(path.join(dir, 'server.conf')).facts()).unadvertisedPeers;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the lease connection's servers", () => {
  it("when the cluster says no_advertise (the ioFog operator's template) then the routes' hosts are known from the config", async () => {
    const routes = 'routes: [\n nats://nats-0.nats-headless:6222\n nats://nats-1.nats-headless:6222\n nats://nats-2.nats-headless:6222\n]';
    const peers = await peersOf(`name: c\nlisten: 0.0.0.0:6222\nno_advertise: true\n${routes}`);
    assert.deepEqual(peers, ['nats-0.nats-headless', 'nats-1.nats-headless', 'nats-2.nats-headless']);
    assert.deepEqual(leaseServers('nats://user:secret@127.0.0.1:4222', peers), [
      'nats://127.0.0.1:4222',
      'nats://nats-0.nats-headless:4222',
      'nats://nats-1.nats-headless:4222',
      'nats://nats-2.nats-headless:4222',
    ]);
  });

  it('when the cluster advertises its members then nats-server tells the client of them, and only NATS_CLIENT_URL is given', async () => {
    assert.deepEqual(await peersOf('listen: 0.0.0.0:6222\nroutes: [ nats://nats-0.nats-headless:6222 ]'), []);
    assert.deepEqual(leaseServers('nats://127.0.0.1:4222', []), ['nats://127.0.0.1:4222']);
  });
});

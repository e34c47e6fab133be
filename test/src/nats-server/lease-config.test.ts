import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ServerConfig } from '../../../src/config/server-config.js';
import { leaseUsable } from '../../../src/nats-server/validate.js';

async function factsOf(text: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-lease-config-'));
  try {
    await writeFile(path.join(dir, 'server.conf'), text);
    return await new ServerConfig(path.join(dir, 'server.conf')).facts();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('whether a cluster member can take the restart lease', () => {
  const cluster = 'cluster { name: c, listen: "0.0.0.0:6222", routes: ["nats-route://n1:6222"] }';

  it("when the config is in operator mode (the ioFog operator's template) then only NATS_RESTART_LEASE_CREDS makes a lease", async () => {
    for (const auth of ['operator: "/etc/nats/operator.jwt"', 'trusted_keys: ["OABC"]']) {
      const facts = await factsOf(`${auth}\nresolver: { type: full, dir: "/data/jwt" }\n${cluster}\n`);
      assert.deepEqual([facts.clustered, facts.operatorMode], [true, true], auth);
      assert.equal(leaseUsable({ leaseCredsPath: null }, facts.operatorMode), false, 'no anonymous connection is tried');
      assert.equal(leaseUsable({ leaseCredsPath: '/creds/lease.creds' }, facts.operatorMode), true);
    }
  });

  it('when the config has no JWT auth then NATS_CLIENT_URL as it is makes the lease', async () => {
    const facts = await factsOf(`${cluster}\njetstream { store_dir: "/data" }\n`);
    assert.equal(facts.operatorMode, false);
    assert.equal(leaseUsable({ leaseCredsPath: null }, facts.operatorMode), true);
  });
});

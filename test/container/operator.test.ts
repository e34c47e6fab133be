import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { withContainer, type ContainerLayout } from '../support/container.js';
import { natsConnect } from '../support/nats.js';
import { OperatorWorld, putInMount, type TestAccount } from '../support/operator.js';
import { eventually } from '../support/wait.js';

// Operator mode with the PoT Controller's layout: the JWT bundle at /tmp/nats/jwt, the resolver dir at
// /home/runner/nats/jwt, JetStream at /home/runner/data, the system user's creds under /etc/nats/creds.

async function connectAs(l: ContainerLayout, w: OperatorWorld, account: TestAccount, file: string): Promise<NatsConnection> {
  const creds = await w.creds(account, path.join(l.host.root, 'users', file));
  return natsConnect(l.host, { authenticator: credsAuthenticator(await readFile(creds)) });
}

async function jsRequest(nc: NatsConnection, subject: string, body: unknown = ''): Promise<Record<string, unknown>> {
  const reply = await nc.request(subject, typeof body === 'string' ? body : JSON.stringify(body), { timeout: 5000 });
  return reply.json<Record<string, unknown>>();
}

describe('the image in operator mode', () => {
  it("when the PoT JWT bundle changes then the resolver dir follows, changed claims are pushed, a removed account's data is purged", async (t) => {
    const w = await OperatorWorld.create();
    const a = await w.account('A');
    const b = await w.account('B');
    const { c, l, cleanup } = await withContainer(
      'operator',
      async (l) => {
        await writeFile(l.host.conf, w.config(l.inside));
        await w.creds(w.sys, path.join(l.host.credsDir, 'sys.creds'));
        await putInMount(l.host, a, b);
      },
      { env: { NATS_SYS_USER_CRED_PATH: 'sys.creds' }, restricted: true },
    );
    t.after(cleanup);
    await c.waitForState('running.idle', { timeoutMs: 30_000 });
    const mirrored = await readdir(l.host.jwtDir);
    assert.ok(mirrored.includes(`${a.key}.jwt`) && mirrored.includes(`${b.key}.jwt`), mirrored.join(' '));

    const nb = await connectAs(l, w, b, 'b.creds');
    const created = await jsRequest(nb, '$JS.API.STREAM.CREATE.GONE', { name: 'GONE', subjects: ['gone.>'], storage: 'file' });
    assert.equal(created.error, undefined, JSON.stringify(created.error));
    await jsRequest(nb, 'gone.1', 'm1');
    await nb.close();
    const storeOfB = path.join(l.host.storeDir, 'jetstream', b.key);
    assert.ok(existsSync(storeOfB));

    // A's claims change: the push, not a restart, makes the running server enforce them.
    const issued = Math.floor(Date.now() / 1000);
    await eventually('the next second', () => Math.floor(Date.now() / 1000) > issued);
    let from = c.mark();
    await putInMount(l.host, await w.account('A', { conn: 5, kp: a.kp }));
    const pushed = await c.waitForLog('the claims push', (x) => x.msg === 'reconcile finished' && (x.reconcile as { pushed: number }).pushed === 1, { from });
    assert.equal((pushed.reconcile as { failed: number }).failed, 0);

    from = c.mark();
    await rm(path.join(l.host.jwtMount, `${b.key}.jwt`));
    await c.waitForLog('the purge of B', (x) => x.account === b.key && x.outcome === 'purged', { from });
    assert.ok(!existsSync(path.join(l.host.jwtDir, `${b.key}.jwt`)));
    await eventually("B's stream to leave the store", () => !existsSync(path.join(storeOfB, 'streams', 'GONE')), 10_000);
    assert.ok(existsSync(path.join(l.host.jwtDir, `${a.key}.jwt`)), 'A stays');
  });
});

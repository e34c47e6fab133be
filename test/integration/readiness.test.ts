import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { credsAuthenticator } from '@nats-io/transport-node';
import { perTestCleanup } from '../support/cleanup.js';
import { makeLayout, removeLayout } from '../support/layout.js';
import { natsConnect, varz } from '../support/nats.js';
import { OperatorWorld, putInMount } from '../support/operator.js';
import { freePort } from '../support/ports.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { eventually } from '../support/wait.js';
import { serverLine } from '../support/supervise.js';

const cleanup = perTestCleanup();
const LINE = serverLine();

describe(`readiness on nats-server ${LINE}`, () => {
  it("when a removed account's JetStream data is on disk and the resolver is empty then the supervisor runs, applies an edit, purges nothing", async () => {
    const l = await makeLayout('stale');
    cleanup.push(() => removeLayout(l));
    const w = await OperatorWorld.create();
    const a = await w.account('A');
    await writeFile(l.conf, w.config(l));
    await w.creds(w.sys, path.join(l.credsDir, 'sys.creds'));
    await putInMount(l, a);
    const env = { NATS_SYS_USER_CRED_PATH: 'sys.creds' };

    // A's data lands on disk while A is known...
    const first = SupervisorProcess.start(l, env);
    cleanup.push(() => first.dispose());
    await first.waitForState('running.idle');
    const creds = await w.creds(a, path.join(l.root, 'users', 'a.creds'));
    const nc = await natsConnect(l, { authenticator: credsAuthenticator(await readFile(creds)) });
    const created = await nc.request('$JS.API.STREAM.CREATE.KEEP', JSON.stringify({ name: 'KEEP', subjects: ['keep.>'], storage: 'file' }), { timeout: 5000 });
    assert.equal(created.json<{ error?: unknown }>().error, undefined);
    await nc.request('keep.1', 'm1', { timeout: 5000 });
    await nc.close();
    assert.deepEqual(await first.stop(), { code: 0, signal: null });
    // ...then A leaves the mount and the resolver dir while the supervisor is down.
    await rm(path.join(l.jwtMount, `${a.key}.jwt`));
    await rm(path.join(l.jwtDir, `${a.key}.jwt`));
    const stale = path.join(l.storeDir, 'jetstream', a.key);
    assert.ok(existsSync(stale));

    const statusPort = await freePort();
    const sup = SupervisorProcess.start(l, { ...env, NATS_STATUS_ADDR: `127.0.0.1:${statusPort}` });
    cleanup.push(() => sup.dispose());
    await sup.waitForState('running.idle', { timeoutMs: 20_000 });
    const from = sup.mark();
    await writeFile(l.conf, w.config(l) + 'max_payload: 654321\n');
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 654321);
    assert.ok(existsSync(stale), 'the stale data stays: an empty resolver never justifies a purge');
    assert.ok(!sup.lines.some((x) => x.outcome === 'purged'));

    // Health is reported, not waited for. Once JetStream has started (the removed account's lookup times out
    // first), 2.10 says unhealthy while the stale data is there; 2.9 and 2.15 say healthy.
    const healthz = async () => {
      const res = await fetch(`http://127.0.0.1:${statusPort}/healthz`);
      return { status: res.status, ...((await res.json()) as { ready: boolean; healthy: boolean | null; reason: string | null }) };
    };
    if (LINE === '2.10') {
      const h = await eventually(
        '2.10 to name the unresolvable account',
        async () => {
          const x = await healthz();
          return /could not be resolved/i.test(String(x.reason)) && x;
        },
        15_000,
      );
      assert.equal(h.status, 503);
      assert.equal(h.ready, true);
      assert.equal(h.healthy, false);
    } else {
      await eventually(`${LINE} to say healthy`, async () => (await healthz()).status === 200, 15_000);
    }
  });
});

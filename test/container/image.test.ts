import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import { docker, IMAGE, withContainer, type Container } from '../support/container.js';
import { atomicWriterUpdate, basicConfig } from '../support/layout.js';
import { natsConnect, roundTrip, varz } from '../support/nats.js';
import { eventually } from '../support/wait.js';

// The image as users run it (npm run image builds iofog-nats:local), in a real engine, on the host network.

async function jsRequest(nc: NatsConnection, subject: string, body: unknown = ''): Promise<Record<string, unknown>> {
  const reply = await nc.request(subject, typeof body === 'string' ? body : JSON.stringify(body), { timeout: 5000 });
  return reply.json<Record<string, unknown>>();
}

/** Whether nothing listens on this loopback port (the PoT healthcheck names 8222 itself). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer().once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function started(t: TestContext, c: Container, cleanup: () => Promise<void>): Promise<Container> {
  t.after(cleanup);
  await c.waitForState('running.idle', { timeoutMs: 30_000 });
  return c;
}

describe('the image', () => {
  it('when run as Kubernetes runs it (read-only root, uid 10000, ConfigMap in the ..data layout) then it serves and applies a ConfigMap swap', async (t) => {
    const { c, l, cleanup } = await withContainer(
      'k8s',
      async (l) => {
        await atomicWriterUpdate(l.host.confDir, { 'server.conf': basicConfig(l.inside, 'max_payload: 1000000') }, 1);
      },
      { restricted: true },
    );
    await started(t, c, cleanup);
    const nc = await natsConnect(l.host);
    assert.ok(await roundTrip(nc));
    const from = c.mark();
    await atomicWriterUpdate(l.host.confDir, { 'server.conf': basicConfig(l.inside, 'max_payload: 2000000') }, 2);
    assert.equal((await c.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l.host)).max_payload, 2000000);
    assert.ok(await roundTrip(nc), 'the client stayed connected through the reload');
    await nc.close();
    const status = await c.status();
    assert.equal(status.state, 'running.idle');
    assert.equal((await c.exec(['id', '-u'])).stdout.trim(), '10000');
  });

  it('when run then node 24, nats-server 2.14 or newer and the compile cache are what it runs', async (t) => {
    const { c, cleanup } = await withContainer('versions', async (l) => writeFile(l.host.conf, basicConfig(l.inside)), { restricted: true });
    await started(t, c, cleanup);
    assert.match((await c.exec(['node', '--version'])).stdout, /^v24\./);
    const nats = /v(\d+)\.(\d+)\./.exec((await c.exec(['/home/runner/bin/nats-server', '--version'])).stdout);
    assert.ok(nats && (Number(nats[1]) > 2 || Number(nats[2]) >= 14), `nats-server ${nats?.[0]}`);
    const cached = await c.exec(['iofog-nats', 'graph'], { env: { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' } });
    assert.match(cached.stderr, /V8 code cache for CommonJS .*iofog-nats\.js was accepted/);
  });

  it('when the container has a memory limit then nats-server runs with a GOMEMLIMIT under it, and an explicit GOMEMLIMIT wins', async (t) => {
    const environOf = async (c: Container): Promise<Record<string, string>> => {
      const { pid } = (await c.status()).server;
      const raw = (await c.exec(['cat', `/proc/${pid}/environ`])).stdout;
      return Object.fromEntries(
        raw
          .split('\0')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
    };
    const limited = await withContainer('memory', async (l) => writeFile(l.host.conf, basicConfig(l.inside)), {
      restricted: true,
      options: ['--memory', '256m'],
    });
    await started(t, limited.c, limited.cleanup);
    const derived = /^(\d+)MiB$/.exec((await environOf(limited.c)).GOMEMLIMIT ?? '');
    assert.ok(derived && Number(derived[1]) > 100 && Number(derived[1]) < 256 * 0.8, `GOMEMLIMIT ${derived?.[0]} is under 80 % of 256 MiB`);
    const state = (await limited.c.status()) as unknown as { server: { goMemLimit: { value: string; source: string } } };
    assert.deepEqual([state.server.goMemLimit.value, state.server.goMemLimit.source], [derived[0], 'container']);
    const explicit = await withContainer('memory-env', async (l) => writeFile(l.host.conf, basicConfig(l.inside)), {
      restricted: true,
      options: ['--memory', '256m'],
      env: { GOMEMLIMIT: '100MiB' },
    });
    await started(t, explicit.c, explicit.cleanup);
    assert.equal((await environOf(explicit.c)).GOMEMLIMIT, '100MiB');
  });

  it('when the container is too small to run in then it exits 2 saying the limit and what it needs; check says the same', async (t) => {
    const small = await withContainer('too-small', async (l) => writeFile(l.host.conf, basicConfig(l.inside)), {
      restricted: true,
      options: ['--memory', '40m', '--memory-swap', '40m'],
    });
    t.after(small.cleanup);
    const exit = await small.c.waitForExit();
    assert.equal(exit.code, 2, small.c.tail());
    assert.match(small.c.stderr.join('\n'), /memory limit: the container's limit is 40 MiB, and .* needs at least 44 MiB/);
    const check = await docker('run', '--rm', '--memory', '40m', '--memory-swap', '40m', '-v', small.l.mounts[0]!, IMAGE, 'check').catch(
      (err: { code: number; stdout: string }) => err,
    );
    assert.equal(typeof check === 'string' ? 0 : check.code, 2);
    assert.match(typeof check === 'string' ? check : check.stdout, /^memory {4}memory limit: the container's limit is 40 MiB/m);
  });

  it("when the PoT Controller's healthcheck runs then it passes, and the image's own HEALTHCHECK reports healthy", async (t) => {
    for (const port of [8222, 8223]) assert.ok(await portFree(port), `port ${port} must be free for this test`);
    const { c, cleanup } = await withContainer('pot-health', async (l) => writeFile(l.host.conf, basicConfig(l.inside)), {
      env: { NATS_MONITOR_PORT: '8222', NATS_STATUS_ADDR: '127.0.0.1:8223' },
      options: ['--health-interval', '1s', '--health-start-period', '1s'],
    });
    await started(t, c, cleanup);
    const pot = await c.exec(['sh', '-c', "curl -f http://localhost:8222/healthz | grep -q 'status.*ok'"]);
    assert.equal(pot.code, 0, pot.stderr);
    await eventually('docker to report the container healthy', async () => (await c.inspect()).State.Health?.Status === 'healthy', 20_000);
  });

  it('when docker exec leaves orphans then PID 1 reaps them: no zombie', async (t) => {
    const { c, cleanup } = await withContainer('orphans', async (l) => writeFile(l.host.conf, basicConfig(l.inside)), { restricted: true });
    await started(t, c, cleanup);
    assert.equal((await c.exec(['cat', '/proc/1/comm'])).stdout.trim(), 'tini');
    // Each shell exits at once and leaves its sleep to be adopted by PID 1.
    await Promise.all(Array.from({ length: 20 }, () => c.exec(['sh', '-c', 'sleep 0.5 & exit 0'])));
    await eventually('the orphaned sleeps to end', async () => !(await c.processes()).some((p) => p.comm === 'sleep'), 15_000);
    const zombies = (await c.processes()).filter((p) => p.stat.startsWith('Z'));
    assert.deepEqual(zombies, []);
  });

  it('when stopped with docker stop then it exits 0 well inside the grace period, and acked JetStream messages are there after it starts again', async (t) => {
    const { c, l, cleanup } = await withContainer('stop', async (l) => writeFile(l.host.conf, basicConfig(l.inside)), { restricted: true });
    await started(t, c, cleanup);
    const nc = await natsConnect(l.host);
    const created = await jsRequest(nc, '$JS.API.STREAM.CREATE.KEEP', { name: 'KEEP', subjects: ['keep.>'], storage: 'file' });
    assert.equal(created.error, undefined, JSON.stringify(created.error));
    for (let i = 1; i <= 100; i++) assert.equal((await jsRequest(nc, `keep.${i}`, `m${i}`)).seq, i);
    await nc.close();
    const stop = await c.stop(30);
    assert.equal(stop.exitCode, 0);
    assert.ok(stop.ms < 10_000, `stopped in ${stop.ms.toFixed(0)} ms`);
    const restarted = c.mark();
    await c.start();
    await c.waitForState('running.idle', { from: restarted, timeoutMs: 30_000 });
    const again = await natsConnect(l.host);
    const info = await jsRequest(again, '$JS.API.STREAM.INFO.KEEP');
    assert.equal((info.state as { messages: number }).messages, 100);
    await again.close();
  });

  it("when a leaf's creds change then its nats-server is restarted inside the running container", async (t) => {
    const { c, l, cleanup } = await withContainer(
      'leaf-creds',
      async (l) => {
        await writeFile(l.host.conf, basicConfig(l.inside));
        await writeFile(path.join(l.host.credsDir, 'leaf.creds'), 'first');
      },
      { env: { NATS_SERVER_MODE: 'leaf' }, restricted: true },
    );
    await started(t, c, cleanup);
    const before = await c.inspect();
    const pid = (await c.status()).server.pid;
    const from = c.mark();
    await writeFile(path.join(l.host.credsDir, 'leaf.creds'), 'second');
    const outcome = await c.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'restarted');
    assert.equal(outcome.cause, 'creds');
    await c.waitForState('running.idle', { from });
    assert.notEqual((await c.status()).server.pid, pid);
    const after = await c.inspect();
    assert.equal(after.State.StartedAt, before.State.StartedAt, 'the container itself was not restarted');
    assert.equal(after.RestartCount, 0);
  });
});

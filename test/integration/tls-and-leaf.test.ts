import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Mode } from '../../machines/causes.js';
import { basicConfig, type Layout } from '../support/layout.js';
import { natsConnect, roundTrip, varz } from '../support/nats.js';
import { natsServersUsing } from '../support/process-table.js';
import { makeCert, servedFingerprint } from '../support/tls.js';
import { eventually } from '../support/wait.js';
import { perTestCleanup } from '../support/cleanup.js';
import { superviseLayout } from '../support/supervise.js';

const cleanup = perTestCleanup();

function tlsConfig(l: Layout, extra = ''): string {
  return basicConfig(l, `tls { cert_file: "${l.tlsDir}/tls.crt", key_file: "${l.tlsDir}/tls.key" }\n${extra}`);
}

function start(name: string, mode: Mode, config: (l: Layout) => string, prepare?: (l: Layout) => Promise<void>) {
  return superviseLayout(cleanup, name, {
    config,
    prepare: async (l) => {
      await prepare?.(l);
      await writeFile(path.join(l.credsDir, 'leaf.creds'), 'first');
    },
    env: { NATS_SERVER_MODE: mode },
  });
}

async function replaceCert(l: Layout, name: string, dir = l.tlsDir): Promise<void> {
  const made = await makeCert(l.root, name);
  // Key first, cert last: a cert paired with the old key would not load.
  await copyFile(made.key, path.join(dir, 'tls.key'));
  await copyFile(made.cert, path.join(dir, 'tls.crt'));
}

function serverPid(l: Layout): number {
  const pids = natsServersUsing(l.root);
  assert.equal(pids.length, 1, `one nats-server for the layout, found ${pids.length}`);
  return pids[0]!;
}

for (const mode of ['server', 'leaf'] as const) {
  describe(`${mode} mode: TLS rotation`, () => {
    it('when the certificate is replaced then nats-server reloads and serves the new one without a restart', async () => {
      const { l, sup } = await start(`tls-${mode}`, mode, tlsConfig, (l) => replaceCert(l, 'first'));
      await sup.waitForState('running.idle');
      const pid = serverPid(l);
      const before = await servedFingerprint(l.clientPort);
      const from = sup.mark();
      await replaceCert(l, 'second');
      const outcome = await sup.waitForOutcome({ from });
      assert.equal(outcome.outcome, 'applied');
      assert.equal(outcome.cause, 'tls');
      const after = await eventually('the new certificate to be served', async () => {
        const fp = await servedFingerprint(l.clientPort);
        return fp !== before && fp;
      });
      assert.notEqual(after, before);
      assert.equal(serverPid(l), pid, 'same nats-server process');
    });
  });
}

describe('server mode: TLS files outside NATS_TLS_DIR', () => {
  it('when a certificate the config names elsewhere is replaced then nats-server reloads and serves it', async () => {
    const elsewhere = (l: Layout) => path.join(l.root, 'elsewhere');
    const { l, sup } = await start(
      'tls-elsewhere',
      'server',
      (l) => basicConfig(l, `tls { cert_file: "${elsewhere(l)}/tls.crt", key_file: "${elsewhere(l)}/tls.key" }`),
      async (l) => {
        await mkdir(elsewhere(l));
        await replaceCert(l, 'first', elsewhere(l));
      },
    );
    await sup.waitForState('running.idle');
    const before = await servedFingerprint(l.clientPort);
    const from = sup.mark();
    await replaceCert(l, 'second', elsewhere(l));
    const outcome = await sup.waitForOutcome({ from });
    assert.deepEqual([outcome.outcome, outcome.cause], ['applied', 'tls']);
    await eventually('the new certificate to be served', async () => (await servedFingerprint(l.clientPort)) !== before);
  });
});

describe('leaf mode: restarts', () => {
  it('when the leaf config changes in a way nats-server reloads then it is reloaded: same process, the client stays', async () => {
    const { l, sup } = await start('leaf-config', 'leaf', (l) => basicConfig(l, 'max_payload: 1000000'));
    await sup.waitForState('running.idle');
    const pid = serverPid(l);
    const nc = await natsConnect(l);
    cleanup.push(() => nc.close());
    const from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 2000000);
    assert.equal(serverPid(l), pid);
    assert.ok(await roundTrip(nc));
  });

  it('when the leaf creds change then nats-server is restarted', async () => {
    const { l, sup } = await start('leaf-creds', 'leaf', (l) => basicConfig(l));
    await sup.waitForState('running.idle');
    const pid = serverPid(l);
    const from = sup.mark();
    await writeFile(path.join(l.credsDir, 'leaf.creds'), 'second');
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'restarted');
    assert.equal(outcome.cause, 'creds');
    await sup.waitForState('running.idle', { from });
    assert.notEqual(serverPid(l), pid);
  });

  it('when the leaf config is invalid then nothing is restarted and a connected client keeps working', async () => {
    const { l, sup } = await start('leaf-invalid', 'leaf', (l) => basicConfig(l));
    await sup.waitForState('running.idle');
    const pid = serverPid(l);
    const nc = await natsConnect(l);
    cleanup.push(() => nc.close());
    let from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'this is { not valid'));
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'rejected');
    assert.ok(await roundTrip(nc));
    assert.equal(serverPid(l), pid);
    from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 3000000'));
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 3000000);
    assert.equal(serverPid(l), pid);
  });
});

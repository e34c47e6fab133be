import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { perTestCleanup } from '../support/cleanup.js';
import { inspect, inspectJson } from '../support/inspect.js';
import { basicConfig, type Layout } from '../support/layout.js';
import { varz } from '../support/nats.js';
import { eventually } from '../support/wait.js';
import type { StatusDocument } from '../../src/status/model.js';
import { superviseLayout } from '../support/supervise.js';

// "Is nats-server running the config I mounted, and if not, since when and why?" (issue #13)
const cleanup = perTestCleanup();

const start = (name: string, env: Record<string, string> = {}) => superviseLayout(cleanup, name, { env, status: true, waitFor: 'running.idle' });

const entry = (doc: StatusDocument, cause: string) => doc.drift.causes.find((c) => c.cause === cause);

async function metric(base: string, name: string): Promise<number | null> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

async function waitDrift(l: Layout, what: string, pred: (doc: StatusDocument) => boolean): Promise<StatusDocument> {
  let doc: StatusDocument | null = null;
  await eventually(what, async () => pred((doc = await inspectJson(l))), 15_000);
  return doc!;
}

/** The same document from /state: asked every 20 ms, so a state that lasts a second is not missed between asks. */
async function waitStateDoc(base: string, what: string, pred: (doc: StatusDocument) => boolean): Promise<StatusDocument> {
  let doc: StatusDocument | null = null;
  const seen = new Set<string>();
  try {
    await eventually(
      what,
      async () => {
        doc = (await (await fetch(`${base}/state`)).json()) as StatusDocument;
        seen.add(`${doc.state} config ${entry(doc, 'config')?.inStep ? 'in step' : 'behind'}`);
        return pred(doc);
      },
      30_000,
    );
  } catch (err) {
    throw new Error(`${String(err)}; seen: ${[...seen].join(' | ')}`);
  }
  return doc!;
}

describe('drift: what runs against what is mounted', () => {
  it("when an edit is rejected then config is behind with nats-server's message, and reverting it puts it in step without a signal", async () => {
    const { l, sup, base } = await start('drift-rejected');
    const first = await inspectJson(l);
    assert.equal(first.drift.inStep, true);
    assert.deepEqual(first.drift.causes.map((c) => c.cause).sort(), ['accounts', 'config', 'creds', 'jwt', 'tls']);
    assert.equal(await metric(base, 'iofog_nats_config_drift{cause="config"}'), 0);

    let from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payloadx: 5'));
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'rejected');
    const behind = await waitDrift(l, 'config behind', (d) => entry(d, 'config')?.inStep === false);
    const config = entry(behind, 'config')!;
    assert.match(String(config.reason), /^rejected: nats-server rejected .*max_payloadx/s);
    assert.deepEqual(config.paths, [l.conf]);
    assert.ok(config.since && Date.parse(config.since) <= Date.now());
    const state = (await (await fetch(`${base}/state`)).json()) as StatusDocument;
    assert.equal(entry(state, 'config')?.inStep, false, '/state says the same');
    assert.equal(await metric(base, 'iofog_nats_config_drift{cause="config"}'), 1);
    assert.ok((await metric(base, 'iofog_nats_config_drift_seconds{cause="config"}'))! >= 0);
    assert.match((await inspect(l)).stdout, /^drift {5}config behind for \d+s: rejected \(the error above\)\n {12}.*server\.conf$/m);

    const loaded = (await varz(l)).config_load_time;
    from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000'));
    await sup.waitForState('running.checking', { from });
    await sup.waitForState('running.idle', { from });
    assert.deepEqual(sup.outcomes(from), [], 'the revert is what runs: nothing to apply');
    const back = await inspectJson(l);
    assert.equal(back.drift.inStep, true);
    assert.equal((await varz(l)).config_load_time, loaded, 'no SIGHUP was sent');
    assert.equal(await metric(base, 'iofog_nats_config_drift{cause="config"}'), 0);
    assert.match((await inspect(l)).stdout, /^drift {5}in step/m);
  });

  it('when a change waits in the quiet period then it is pending, and in step once applied', async () => {
    const { l, sup } = await start('drift-pending', { NATS_RELOAD_DEBOUNCE_MS: '3000' });
    const from = sup.mark();
    await writeFile(path.join(l.credsDir, 'a.creds'), 'x');
    const pending = await waitDrift(l, 'creds pending', (d) => entry(d, 'creds')?.inStep === false);
    assert.equal(entry(pending, 'creds')?.reason, 'pending: waiting for the quiet period (NATS_RELOAD_DEBOUNCE_MS)');
    assert.equal(pending.state, 'running.settling');
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    await waitDrift(l, 'in step after the reload', (d) => d.drift.inStep);
  });

  it('when a leaf restart crashes then what changed is behind while it backs off', async () => {
    const { l, sup, base } = await start('drift-crash', { NATS_SERVER_MODE: 'leaf' });
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    cleanup.push(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const port = (busy.address() as { port: number }).port;
    const from = sup.mark();
    // Valid for nats-server -t; the new process cannot bind its port and exits.
    await writeFile(l.conf, basicConfig({ ...l, clientPort: port }, 'max_payload: 1000000'));
    await writeFile(path.join(l.credsDir, 'leaf.creds'), 'x');
    await sup.waitForState('backingOff', { from, timeoutMs: 20_000 });
    const doc = await waitStateDoc(base, 'config behind while backing off', (d) => d.state === 'backingOff' && entry(d, 'config')?.inStep === false);
    assert.equal(entry(doc, 'config')?.reason, 'nats-server exited unexpectedly; backing off before starting it again');
    assert.equal(entry(doc, 'creds')?.inStep, false);
  });
});

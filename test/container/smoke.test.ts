import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { IMAGE, withContainer } from '../support/container.js';
import { basicConfig } from '../support/layout.js';
import { natsConnect, roundTrip, varz } from '../support/nats.js';

// The smoke test every image gets, on any architecture (scripts/image/edge.sh runs it under emulation, where
// everything is many times slower: the waits are long, the figures are printed).
const SLOW = Number(process.env.SMOKE_TIMEOUT_MS ?? 120_000);

describe(`the image ${IMAGE}: smoke`, () => {
  it('when run then it starts, serves, applies an edit through the native watcher and stops on SIGTERM with exit 0', async (t) => {
    const t0 = performance.now();
    const { c, l, cleanup } = await withContainer('smoke', async (l) => writeFile(l.host.conf, basicConfig(l.inside, 'max_payload: 1000000')), {
      restricted: true,
    });
    t.after(cleanup);
    await c.waitForState('running.idle', { timeoutMs: SLOW });
    const startMs = performance.now() - t0;
    if (process.env.EXPECT_NODE_ARCH) assert.equal((await c.exec(['node', '-p', 'process.arch'])).stdout.trim(), process.env.EXPECT_NODE_ARCH);
    const nc = await natsConnect(l.host);
    assert.ok(await roundTrip(nc));
    await nc.close();

    const from = c.mark();
    const t1 = performance.now();
    await writeFile(l.host.conf, basicConfig(l.inside, 'max_payload: 2000000'));
    assert.equal((await c.waitForOutcome({ from, timeoutMs: SLOW })).outcome, 'applied');
    const applyMs = performance.now() - t1;
    assert.equal((await varz(l.host)).max_payload, 2000000);
    assert.ok(!c.lines.some((x) => /native file watching failed/.test(String(x.msg))), 'the native watcher, no polling fallback');

    const stop = await c.stop(60);
    assert.equal(stop.exitCode, 0);
    t.diagnostic(`${IMAGE}: start→running.idle ${startMs.toFixed(0)} ms, edit→applied ${applyMs.toFixed(0)} ms, docker stop ${stop.ms.toFixed(0)} ms`);
  });
});

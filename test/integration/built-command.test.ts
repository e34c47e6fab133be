import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { basicConfig, makeLayout, removeLayout } from '../support/layout.js';
import { natsConnect, roundTrip, varz } from '../support/nats.js';
import { natsServersUsing } from '../support/process-table.js';
import { freePort } from '../support/ports.js';
import { SupervisorProcess } from '../support/supervisor-process.js';

// What the image runs is the bundle scripts/build.mjs makes, started from V8's code cache by dist/cli.js.
// The other tests run the source through tsx; these build into a directory of their own and run that.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = path.join(REPO, 'test-artifacts', `built-${process.pid}`);
const CLI = path.join(OUT, 'cli.js');

/** Whether this node accepts the code cache for the bundle, as the loader would offer it. */
function cacheAccepted(dir: string): boolean {
  const probe = `
    const { readFileSync } = require('node:fs'); const { wrap } = require('node:module'); const { Script } = require('node:vm');
    const { createHash } = require('node:crypto');
    const src = readFileSync(process.argv[1] + '/iofog-nats.js', 'latin1');
    const cache = readFileSync(process.argv[1] + '/iofog-nats.js.cache');
    if (!cache.subarray(0, 32).equals(createHash('sha256').update(src, 'latin1').digest())) { console.log('hash'); process.exit(); }
    const s = new Script(wrap(src), { filename: process.argv[1] + '/iofog-nats.js', cachedData: cache.subarray(32) });
    console.log(s.cachedDataRejected ? 'rejected' : 'accepted');`;
  return execFileSync(process.execPath, ['-e', probe, dir]).toString().trim() === 'accepted';
}

describe('the built command', () => {
  before(() => execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs'), OUT], { cwd: REPO, stdio: 'pipe' }));
  after(() => rmSync(OUT, { recursive: true, force: true }));

  it('when built then the bundle is ASCII and its code cache is made for it and accepted by this node', () => {
    const cache = readFileSync(path.join(OUT, 'iofog-nats.js.cache'));
    const bundle = readFileSync(path.join(OUT, 'iofog-nats.js'));
    assert.ok(!bundle.some((b) => b > 0x7f), 'ASCII only: the loader reads it as latin1');
    assert.deepEqual(cache.subarray(0, 32), createHash('sha256').update(bundle).digest());
    assert.ok(cache.length > 100_000, `a cache with the start path compiled in it (${cache.length} bytes)`);
    assert.ok(cacheAccepted(OUT));
  });

  it('when run then nats-server serves, the status page and /metrics load what they load lazily, and SIGTERM ends it with exit 0', async () => {
    const l = await makeLayout('built');
    try {
      await writeFile(l.conf, basicConfig(l));
      const port = await freePort();
      const sup = SupervisorProcess.start(l, { NATS_STATUS_ADDR: `127.0.0.1:${port}` }, [], CLI);
      try {
        await sup.waitForState('running.idle');
        // The native watcher is found from the bundle: an edit is seen and applied, with no fallback to polling.
        const from = sup.mark();
        await writeFile(l.conf, basicConfig(l, 'max_payload: 654321'));
        assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
        assert.equal((await varz(l)).max_payload, 654321);
        assert.ok(!sup.lines.some((x) => /native file watching failed/.test(String(x.msg))), 'no polling fallback');
        const nc = await natsConnect(l);
        await roundTrip(nc);
        await nc.close();
        const page = await fetch(`http://127.0.0.1:${port}/`);
        assert.equal(page.status, 200);
        const html = await page.text();
        assert.match(html, /id="layout">\{"width":[1-9]/, 'the chart laid out by elkjs');
        assert.match(html, /new EventSource\('\/events'\)/, 'the page script, read next to the bundle');
        const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
        assert.match(await metrics.text(), /^iofog_nats_/m, 'prom-client loaded');
        assert.deepEqual(await sup.stop(), { code: 0, signal: null });
        assert.deepEqual(natsServersUsing(l.root), []);
      } finally {
        await sup.dispose();
      }
    } finally {
      await removeLayout(l);
    }
  });

  it('when the code cache is not the bundle\'s then it is left unused and the command works the same', () => {
    const cacheFile = path.join(OUT, 'iofog-nats.js.cache');
    const good = readFileSync(cacheFile);
    try {
      writeFileSync(cacheFile, Buffer.concat([Buffer.alloc(32), good.subarray(32)]));
      const fromSource = execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli.ts'), 'graph'], { cwd: REPO }).toString();
      assert.equal(execFileSync(process.execPath, [CLI, 'graph']).toString(), fromSource);
    } finally {
      writeFileSync(cacheFile, good);
    }
    assert.equal(execFileSync(process.execPath, [CLI, 'graph', '--format', 'dot']).toString().startsWith('digraph'), true);
  });
});

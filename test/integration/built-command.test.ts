import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import module from 'node:module';
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

// What the image runs is the bundle scripts/build.mjs makes, started by dist/cli.js with node's compile cache.
// The other tests run the source through tsx; these build into a directory of their own and run that.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = path.join(REPO, 'test-artifacts', `built-${process.pid}`);
const CLI = path.join(OUT, 'cli.js');
const HAS_COMPILE_CACHE = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** What node's compile cache said it did with the bundle, when the built command ran once. */
function compileCacheReport(): string {
  const out = spawnSync(process.execPath, [CLI, 'graph'], { env: { ...process.env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' } });
  return out.stderr
    .toString()
    .split('\n')
    .filter((l) => l.includes('iofog-nats.js'))
    .join('\n');
}

describe('the built command', () => {
  before(() => execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs'), OUT], { cwd: REPO, stdio: 'pipe' }));
  after(() => rmSync(OUT, { recursive: true, force: true }));

  it('when built then the bundle is ASCII', () => {
    assert.ok(!readFileSync(path.join(OUT, 'iofog-nats.js')).some((b) => b > 0x7f));
  });

  it(
    'when built on a node with a compile cache then the bundle is read from it, not compiled',
    { skip: !HAS_COMPILE_CACHE && 'this node has no module.enableCompileCache' },
    () => {
      assert.match(compileCacheReport(), /V8 code cache for CommonJS .*iofog-nats\.js was accepted/);
    },
  );

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
        assert.match(html, /id="layout">\{"width":[1-9]/, 'the chart as laid out at build time');
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

  it(
    "when the compile cache is not the bundle's then it is left unused and the command works the same",
    { skip: !HAS_COMPILE_CACHE && 'this node has no module.enableCompileCache' },
    () => {
      const fromSource = execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'src', 'cli.ts'), 'graph'], { cwd: REPO }).toString();
      const bundle = path.join(OUT, 'iofog-nats.js');
      const good = readFileSync(bundle, 'latin1');
      try {
        // Same length, other content (a log message): node must notice by the content hash, not the size.
        assert.ok(good.includes('iofog-nats starting'));
        writeFileSync(bundle, good.replace('iofog-nats starting', 'iofog-nats STARTING'), 'latin1');
        assert.doesNotMatch(compileCacheReport(), /was accepted/);
        assert.equal(execFileSync(process.execPath, [CLI, 'graph']).toString(), fromSource);
      } finally {
        writeFileSync(bundle, good, 'latin1');
      }
      assert.equal(execFileSync(process.execPath, [CLI, 'graph']).toString(), fromSource);
    },
  );
});

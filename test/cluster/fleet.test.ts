import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Svcm } from '@nats-io/services';
import { connect } from '@nats-io/transport-node';
import { launchChromium } from '../support/browser.js';
import { perTestCleanup } from '../support/cleanup.js';
import { fleetHub, fleetLeaf } from '../support/fleet.js';
import { LINE } from '../support/cluster-run.js';
import { inspectAll } from '../support/inspect.js';
import { eventually } from '../support/wait.js';

const cleanup = perTestCleanup();
const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts');

type Survey = { rows: { name: string; metadata: { mode: string } }[]; missing: string[] };

describe(`the fleet: three members and a leaf on nats-server ${LINE}`, () => {
  it('when asked from any member then inspect --all shows four rows, the Services API four instances, and a config edit on one member differs', async () => {
    const { cluster, leafPorts } = await fleetHub(cleanup);
    cluster.startAll();
    await Promise.all(cluster.members.map((_, i) => cluster.waitHealthy(i)));
    const edge = await fleetLeaf('edge0', leafPorts, cleanup);
    await edge.waitForState('running.idle', { timeoutMs: 60_000 });

    for (const m of cluster.members) {
      const survey = await eventually(
        `four rows from ${m.name}`,
        async () => {
          const s = JSON.parse((await inspectAll(m.layout, '--json')).stdout) as Survey;
          return s.rows.length === 4 ? s : undefined;
        },
        30_000,
      );
      assert.deepEqual(
        survey.rows.map((r) => `${r.name} ${r.metadata.mode}`),
        ['edge0 leaf', 'n0 server', 'n1 server', 'n2 server'],
      );
      assert.deepEqual(survey.missing, []);
    }
    // What `nats micro info iofog-nats` asks.
    const nc = await connect({ servers: cluster.clientUrls });
    cleanup.push(() => nc.close());
    const names: string[] = [];
    for await (const info of await new Svcm(nc).client({ strategy: 'timer', maxWait: 1000 }).info('iofog-nats')) names.push(info.metadata?.server_name ?? '?');
    assert.deepEqual(names.sort(), ['edge0', 'n0', 'n1', 'n2']);

    const before = (await inspectAll(cluster.members[0]!.layout)).stdout;
    assert.doesNotMatch(before, /^differs: config/m, before);
    assert.match(before, /^every member runs nats-server .*, config [0-9a-f]{12}$/m);

    const from = cluster.members[1]!.sup!.mark();
    await appendFile(cluster.members[1]!.layout.conf, 'max_payload: 2MB\n');
    assert.equal((await cluster.members[1]!.sup!.waitForOutcome({ from, timeoutMs: 30_000 })).outcome, 'applied');
    const after = (await inspectAll(cluster.members[0]!.layout)).stdout;
    assert.match(after, /^differs: config digest: [0-9a-f]{12} \(n0, n2\); [0-9a-f]{12} \(n1\)$/m, after);
    console.log(after.replace(/^/gm, '# '));
    assert.doesNotMatch(after, /^differs: (nats-server|supervisor|stop plan)/m, after);

    // The page's fleet panel, on 1280x800 beside the chart: a row each, a missing member marked.
    const browser = await launchChromium();
    cleanup.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${cluster.members[0]!.statusPort}/`);
    const rows = () =>
      page.$$eval('#fleet div', (ds) =>
        ds.map((d) => ({ text: d.textContent ?? '', bad: d.classList.contains('bad'), bottom: d.getBoundingClientRect().bottom })),
      );
    const shown = await eventually('four rows in the fleet panel', async () => ((await rows()).length === 4 ? rows() : undefined), 30_000);
    assert.deepEqual(
      shown.map((r) => [r.text.split(' ')[0], r.bad]),
      [
        ['edge0', false],
        ['n0', false],
        ['n1', false],
        ['n2', false],
      ],
    );
    assert.ok(
      shown.every((r) => r.bottom <= 800),
      'every row in the window',
    );
    await cluster.kill(2);
    const marked = await eventually('n2 marked missing', async () => (await rows()).find((r) => r.text.startsWith('n2 · MISSING') && r.bad), 40_000);
    assert.ok(marked);
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-panel.png') });
  });
});

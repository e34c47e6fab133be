import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { perTestCleanup } from '../support/cleanup.js';
import { basicConfig, makeLayout, removeLayout, type Layout } from '../support/layout.js';
import { natsConnect, roundTrip } from '../support/nats.js';
import { natsServersUsing } from '../support/process-table.js';
import { freePort } from '../support/ports.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { eventually } from '../support/wait.js';

// A leaf restart drops every client on the edge node: a leaf reloads what nats-server can reload and
// restarts only when it refuses. 2.14 added remote add/remove on reload; 2.9 and 2.10 refuse any remotes change.
const cleanup = perTestCleanup();
const BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';
const [MAJOR, MINOR] = (/v(\d+)\.(\d+)\./.exec(execFileSync(BIN, ['--version']).toString()) ?? []).slice(1).map(Number);
const RELOADS_REMOTES = (MAJOR ?? 0) > 2 || (MINOR ?? 0) >= 14;

/** A hub: a bare nats-server accepting leaf connections. */
async function hub(dir: string, name: string): Promise<number> {
  const leafPort = await freePort();
  const conf = path.join(dir, `${name}.conf`);
  await writeFile(conf, `listen: 127.0.0.1:${await freePort()}\nleafnodes { listen: 127.0.0.1:${leafPort} }\n`);
  const child = spawn(BIN, ['-c', conf], { stdio: 'ignore' });
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  return leafPort;
}

const leafConfig = (l: Layout, hubs: number[]): string =>
  basicConfig(l, `leafnodes { remotes: [ ${hubs.map((p) => `{ url: "nats-leaf://127.0.0.1:${p}" }`).join(', ')} ] }`);

async function leafConnections(l: Layout): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${l.monitorPort}/leafz`);
  return ((await res.json()) as { leafnodes?: number }).leafnodes ?? 0;
}

describe(`leaf remotes on nats-server ${MAJOR}.${MINOR}`, () => {
  it(RELOADS_REMOTES
    ? 'when a remote is added then it is reloaded: same process, the client never disconnects, both leaf connections up'
    : 'when a remote is added then nats-server refuses to reload it, so it is restarted and the outcome names the refusal', async () => {
    const l = await makeLayout('leaf-remotes');
    cleanup.push(() => removeLayout(l));
    const hubs = await mkdtemp(path.join(tmpdir(), 'iofog-nats-hubs-'));
    cleanup.push(() => rm(hubs, { recursive: true, force: true }));
    const [hub1, hub2] = [await hub(hubs, 'hub1'), await hub(hubs, 'hub2')];
    await writeFile(l.conf, leafConfig(l, [hub1]));
    const sup = SupervisorProcess.start(l, { NATS_SERVER_MODE: 'leaf' });
    cleanup.push(() => sup.dispose());
    await sup.waitForState('running.idle');
    await eventually('the leaf connection to the first hub', async () => (await leafConnections(l)) === 1);
    const [pid] = natsServersUsing(l.root);
    const nc = await natsConnect(l, { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
    cleanup.push(() => nc.close().catch(() => undefined));
    const seen: string[] = [];
    void (async () => {
      for await (const s of nc.status()) seen.push(s.type);
    })();

    const from = sup.mark();
    await writeFile(l.conf, leafConfig(l, [hub1, hub2]));
    const outcome = await sup.waitForOutcome({ from, timeoutMs: 20_000 });
    await sup.waitForState('running.idle', { from });
    if (RELOADS_REMOTES) {
      assert.equal(outcome.outcome, 'applied');
      assert.deepEqual(natsServersUsing(l.root), [pid]);
      await eventually('both leaf connections', async () => (await leafConnections(l)) === 2);
      assert.ok(await roundTrip(nc));
      assert.deepEqual(seen.filter((t) => t === 'disconnect'), [], 'the client never disconnected');
    } else {
      assert.equal(outcome.outcome, 'restarted');
      assert.match(String(outcome.error), /^nats-server refused the reload \(.*config reload not supported for LeafNode.*\); restarted$/is);
      assert.notDeepEqual(natsServersUsing(l.root), [pid]);
      await eventually('both leaf connections after the restart', async () => (await leafConnections(l)) === 2);
    }
  });
});

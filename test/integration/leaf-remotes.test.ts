import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { perTestCleanup } from '../support/cleanup.js';
import { inspect, inspectJson } from '../support/inspect.js';
import { basicConfig, makeLayout, removeLayout, type Layout } from '../support/layout.js';
import { natsConnect, roundTrip } from '../support/nats.js';
import { OperatorWorld } from '../support/operator.js';
import { natsServersUsing } from '../support/process-table.js';
import { freePort } from '../support/ports.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { eventually } from '../support/wait.js';
import { serverBin } from '../support/supervise.js';

// A leaf restart drops every client on the edge node: a leaf reloads what nats-server can reload and
// restarts only when it refuses. 2.14 added remote add/remove on reload; 2.9 and 2.10 refuse any remotes change.
const cleanup = perTestCleanup();
const BIN = serverBin();
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

interface Remote {
  port: number;
  creds?: string;
  tls?: boolean;
}

const leafConfig = (l: Layout, remotes: Remote[]): string => {
  const remote = (r: Remote): string =>
    [`url: "nats-leaf://127.0.0.1:${r.port}"`, ...(r.creds ? [`credentials: "${r.creds}"`] : []), ...(r.tls ? ['tls { insecure: true }'] : [])].join(', ');
  return basicConfig(l, `leafnodes { remotes: [ ${remotes.map((r) => `{ ${remote(r)} }`).join(', ')} ] }`);
};

async function monitor<T>(l: Layout, endpoint: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${l.monitorPort}${endpoint}`)).json()) as T;
}

const leafConnections = async (l: Layout): Promise<number> => (await monitor<{ leafnodes?: number }>(l, '/leafz')).leafnodes ?? 0;
// 2.15 lists leaf connections in /connz too (kind Leafnode); older lines list clients only, without a kind.
const clientIds = async (l: Layout): Promise<number[]> =>
  ((await monitor<{ connections?: { cid: number; kind?: string }[] }>(l, '/connz')).connections ?? [])
    .filter((c) => (c.kind ?? 'Client') === 'Client')
    .map((c) => c.cid);

/** The supervisor's own word on the leaf connections: every configured remote connected. */
async function converged(l: Layout, remotes: number): Promise<boolean> {
  const leaf = (await inspectJson(l)).leaf;
  return leaf?.converged === true && leaf.remotes.length === remotes && leaf.remotes.every((r) => r.connected);
}

async function startLeaf(name: string, remotes: (l: Layout) => Remote[], env: Record<string, string> = {}) {
  const l = await makeLayout(name);
  cleanup.push(() => removeLayout(l));
  await writeFile(l.conf, leafConfig(l, remotes(l)));
  const sup = SupervisorProcess.start(l, { NATS_SERVER_MODE: 'leaf', ...env });
  cleanup.push(() => sup.dispose());
  await sup.waitForState('running.idle');
  return { l, sup };
}

/** A client of the leaf that records every status change, and its connection id on the leaf. */
async function leafClient(l: Layout) {
  const nc = await natsConnect(l, { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
  cleanup.push(() => nc.close().catch(() => undefined));
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status()) seen.push(s.type);
  })();
  const [cid] = await clientIds(l);
  assert.ok(cid !== undefined);
  return { nc, cid, disconnects: () => seen.filter((t) => t === 'disconnect') };
}

async function hubs(n: number): Promise<number[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-hubs-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await hub(dir, `hub${i}`));
  return ports;
}

describe(`leaf remotes on nats-server ${MAJOR}.${MINOR}`, () => {
  it(
    RELOADS_REMOTES
      ? 'when a remote is added, one removed, a URL and a creds path changed then each is reloaded: same process, same client connection, the leaf converges'
      : 'when a remote is added, one removed, a URL and a creds path changed then nats-server refuses each reload, so each restarts naming the refusal',
    async () => {
      const [h1, h2, h3] = (await hubs(3)) as [number, number, number];
      const world = await OperatorWorld.create();
      const user = await world.account('LEAF');
      const { l, sup } = await startLeaf('leaf-remotes', () => [{ port: h1 }]);
      const [credsA, credsB] = [await world.creds(user, path.join(l.root, 'a.creds')), await world.creds(user, path.join(l.root, 'b.creds'))];
      await eventually('the leaf connection to the first hub', () => converged(l, 1));
      const [pid] = natsServersUsing(l.root);
      const client = await leafClient(l);

      const edits: [string, Remote[]][] = [
        ['add a remote', [{ port: h1 }, { port: h2 }]],
        ['give a remote creds', [{ port: h1 }, { port: h2, creds: credsA }]],
        ['change its creds path', [{ port: h1 }, { port: h2, creds: credsB }]],
        ['change a URL', [{ port: h3 }, { port: h2, creds: credsB }]],
        ['remove a remote', [{ port: h2, creds: credsB }]],
      ];
      for (const [what, remotes] of edits) {
        const from = sup.mark();
        await writeFile(l.conf, leafConfig(l, remotes));
        const outcome = await sup.waitForOutcome({ from, timeoutMs: 20_000 });
        await sup.waitForState('running.idle', { from });
        await eventually(
          `the leaf converges after: ${what}`,
          async () => (await converged(l, remotes.length)) && (await leafConnections(l)) === remotes.length,
        );
        if (RELOADS_REMOTES) {
          assert.equal(outcome.outcome, 'applied', what);
          assert.deepEqual(natsServersUsing(l.root), [pid], `${what}: same process`);
          assert.deepEqual(await clientIds(l), [client.cid], `${what}: the same client connection`);
        } else {
          assert.equal(outcome.outcome, 'restarted', what);
          assert.match(String(outcome.error), /^nats-server refused the reload \(.*LeafNode.*\); restarted$/is, what);
        }
      }
      assert.ok(await roundTrip(client.nc));
      if (RELOADS_REMOTES) assert.deepEqual(client.disconnects(), [], 'the client never disconnected');
    },
  );

  it('when a tls block is added to an existing remote then nats-server refuses the reload, so it is restarted and the outcome names the refusal', async () => {
    const [h1] = (await hubs(1)) as [number];
    const { l, sup } = await startLeaf('leaf-refused', () => [{ port: h1 }]);
    const [pid] = natsServersUsing(l.root);
    const from = sup.mark();
    await writeFile(l.conf, leafConfig(l, [{ port: h1, tls: true }]));
    const outcome = await sup.waitForOutcome({ from, timeoutMs: 20_000 });
    assert.equal(outcome.outcome, 'restarted');
    assert.match(String(outcome.error), /^nats-server refused the reload \(.*config reload not supported for LeafNode.*\); restarted$/is);
    await sup.waitForState('running.idle', { from });
    assert.notDeepEqual(natsServersUsing(l.root), [pid]);
  });

  it('when a remote does not come back then it is reported, in inspect and the log, and nats-server is not restarted', async () => {
    const [h1] = (await hubs(1)) as [number];
    const dead = await freePort();
    const statusPort = await freePort();
    const { l, sup } = await startLeaf('leaf-unreachable', () => [{ port: h1 }], { NATS_STATUS_ADDR: `127.0.0.1:${statusPort}` });
    await eventually('the first remote connected', () => converged(l, 1));
    const from = sup.mark();
    await writeFile(l.conf, leafConfig(l, [{ port: h1 }, { port: dead }]));
    await sup.waitForOutcome({ from, timeoutMs: 20_000 });
    await sup.waitForState('running.idle', { from });
    const [pid] = natsServersUsing(l.root);
    const alert = await sup.waitForLog('the unreachable remote reported', (x) => x.cause === 'leaf' && x.level === 40, { from, timeoutMs: 30_000 });
    assert.equal(alert.remote, `127.0.0.1:${dead}`);
    const leaf = (await inspectJson(l)).leaf;
    assert.equal(leaf?.converged, false);
    assert.deepEqual(
      leaf.remotes.map((r) => [r.name, r.connected, r.alerted]),
      [
        [`127.0.0.1:${h1}`, true, false],
        [`127.0.0.1:${dead}`, false, true],
      ],
    );
    const human = (await inspect(l)).stdout;
    assert.match(human, /^leaf {6}1\/2 remotes connected \(converging\)$/m);
    assert.match(human, new RegExp(`^ {10}down: 127\\.0\\.0\\.1:${dead} for \\d+s$`, 'm'));
    const metrics = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
    assert.match(metrics, /^iofog_nats_leaf_remotes\{state="connected"\} 1$/m);
    assert.match(metrics, /^iofog_nats_leaf_remotes\{state="down"\} 1$/m);
    assert.deepEqual(natsServersUsing(l.root), [pid], 'not restarted');
    assert.equal(sup.outcomes(from).length, 1, 'no further action');
  });
});

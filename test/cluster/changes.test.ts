import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { describe, it } from 'node:test';
import { perTestCleanup } from '../support/cleanup.js';
import type { TestCluster } from '../support/cluster.js';
import { assertNothingLost, LINE, runningCluster } from '../support/cluster-run.js';
import type { LogLine } from '../support/supervisor-process.js';
import { eventually } from '../support/wait.js';

const cleanup = perTestCleanup();

/** A ConfigMap edit: the same change lands on every member's mount at once. */
async function editEverywhere(cluster: TestCluster, extra: string, jetstream = ''): Promise<number[]> {
  const marks = cluster.members.map((m) => m.sup!.mark());
  await Promise.all(cluster.members.map((m) => writeFile(m.layout.conf, cluster.configOf(m, extra, jetstream))));
  return marks;
}

const time = (l: LogLine): number => Number(l.time);

/**
 * The lease in an account of the members' own, as docs/deploy's manifest gives it: application clients (here
 * anonymous, through no_auth_user) are in APP, the members' lease connection in IOFOG_NATS.
 */
const ACCOUNTS = [
  'accounts {',
  '  APP: { jetstream: enabled, users: [ { user: app, password: app } ] }',
  '  IOFOG_NATS: { jetstream: enabled, users: [ { user: iofog-nats, password: members-only } ] }',
  '}',
  'no_auth_user: app',
].join('\n');

/** nats-server cannot reload a smaller JetStream store (2.9, 2.10 and 2.15 alike; 2.15 reloads a larger one); 1G is 10^9 bytes. */
const REFUSED = 'max_file_store: 1G';

/** From a member's log: when it stopped nats-server for a restart until it had caught up again. */
function restartWindow(lines: LogLine[]): [number, number] {
  const stop = lines.find((l) => l.state === 'restarting.signalling');
  const caughtUp = stop && lines.find((l) => time(l) >= time(stop) && l.msg === "caught up: nats-server's full /healthz passed");
  assert.ok(stop && caughtUp, 'restarted and caught up');
  return [time(stop), time(caughtUp)];
}

describe(`a change on every member of a cluster at once, on nats-server ${LINE}`, () => {
  it('when the change reloads then every member reloads, none restarts, and no acked message is lost', async () => {
    const { cluster, publisher } = await runningCluster('reloadable', cleanup);
    const marks = await editEverywhere(cluster, 'max_payload: 654321');
    for (const [i, m] of cluster.members.entries()) {
      assert.equal((await m.sup!.waitForOutcome({ from: marks[i], timeoutMs: 30_000 })).outcome, 'applied');
      assert.equal((await cluster.monitor<{ max_payload: number }>(i, '/varz'))?.max_payload, 654321);
      assert.ok(!m.sup!.lines.some((l) => String(l.state).startsWith('restarting')), `${m.name} did not restart`);
    }
    await assertNothingLost(cluster, await publisher.stop());
  });

  it('when nats-server refuses the change without NATS_ROLLING_RESTART then every member serves on, says a restart would apply it, none restarts', async () => {
    const { cluster, publisher } = await runningCluster('refused-off', cleanup);
    const marks = await editEverywhere(cluster, '', REFUSED);
    for (const [i, m] of cluster.members.entries()) {
      const outcome = await m.sup!.waitForOutcome({ from: marks[i], timeoutMs: 30_000 });
      assert.equal(outcome.outcome, 'rejected');
      const state = (await (await fetch(`http://127.0.0.1:${m.statusPort}/state`)).json()) as {
        server: { restarts: number };
        drift: { causes: { cause: string; inStep: boolean; reason: string | null }[] };
      };
      assert.equal(state.server.restarts, 0);
      const config = state.drift.causes.find((c) => c.cause === 'config');
      assert.equal(config?.inStep, false);
      assert.match(String(config?.reason), /a restart would apply it \(NATS_ROLLING_RESTART=on/);
    }
    await assertNothingLost(cluster, await publisher.stop());
  });

  it('when nats-server refuses the change with NATS_ROLLING_RESTART=on then members restart one at a time, after the previous caught up, 0 lost', async () => {
    const { cluster, publisher } = await runningCluster('refused-on', cleanup, { NATS_ROLLING_RESTART: 'on' });
    const marks = await editEverywhere(cluster, '', REFUSED);
    for (const [i, m] of cluster.members.entries()) {
      const outcome = await m.sup!.waitForOutcome({ from: marks[i], timeoutMs: 240_000 }).catch(async (err: unknown) => {
        throw new Error(`${m.name}: ${String(err)}\n${await cluster.diagnosis()}`);
      });
      assert.equal(outcome.outcome, 'restarted', m.name);
      await cluster.waitHealthy(i);
      const varz = await cluster.monitor<{ jetstream?: { config?: { max_storage?: number } } }>(i, '/varz');
      assert.equal(varz?.jetstream?.config?.max_storage, 1_000_000_000, `${m.name} runs the new limit`);
    }
    // Each restart went through the lease. Whether a member had to wait for it depends on when its reload was
    // refused: a member that restarts fast can release it before the next one asks (seen once here).
    const took = cluster.members.filter((m, i) => m.sup!.lines.slice(marks[i]).some((l) => l.msg === 'restart lease taken'));
    assert.equal(took.length, 3, 'every member took the restart lease for its restart');
    const windows = cluster.members.map((m, i) => restartWindow(m.sup!.lines.slice(marks[i])));
    windows.sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < windows.length; k++) {
      assert.ok(windows[k]![0] >= windows[k - 1]![1], `restart ${k + 1} began after restart ${k} had caught up: ${JSON.stringify(windows)}`);
    }
    await assertNothingLost(cluster, await publisher.stop());
  });

  it('when an application client writes, deletes and floods the lease then the members restart one at a time all the same', async () => {
    const { cluster, publisher } = await runningCluster('hostile-lease', cleanup, { NATS_ROLLING_RESTART: 'on' }, async (layouts) => {
      for (const l of layouts) {
        await appendFile(l.conf, `${ACCOUNTS}\n`);
        l.env.NATS_CLIENT_URL = `nats://iofog-nats:members-only@127.0.0.1:${l.clientPort}`;
      }
    });
    // An ordinary client of the application's account, doing all it can to the lease's bucket by its name.
    const hostile = await connect({ servers: cluster.clientUrls });
    cleanup.push(() => hostile.close());
    const kv = await new Kvm(hostile).create('iofog_nats_restart', { history: 1 });
    let writes = 0;
    const flood = setInterval(() => {
      void kv.put('lease', 'intruder').then(
        () => writes++,
        () => undefined,
      );
      void kv.delete('lease').catch(() => undefined);
    }, 200);
    cleanup.push(() => clearInterval(flood));
    const marks = await editEverywhere(cluster, ACCOUNTS, REFUSED);
    for (const [i, m] of cluster.members.entries()) {
      assert.equal((await m.sup!.waitForOutcome({ from: marks[i], timeoutMs: 240_000 })).outcome, 'restarted', m.name);
      await cluster.waitHealthy(i);
    }
    clearInterval(flood);
    assert.ok(writes > 10, `the intruder wrote the lease ${writes} times`);
    const heldBy = cluster.members.flatMap((m, i) =>
      m
        .sup!.lines.slice(marks[i])
        .filter((l) => l.msg === 'waiting for the restart lease')
        .map((l) => String(l.holder)),
    );
    assert.ok(!heldBy.includes('intruder'), `no member waited for the intruder: ${heldBy.join(', ')}`);
    const windows = cluster.members.map((m, i) => restartWindow(m.sup!.lines.slice(marks[i]))).sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < windows.length; k++) assert.ok(windows[k]![0] >= windows[k - 1]![1], `restarts one at a time: ${JSON.stringify(windows)}`);
    await assertNothingLost(cluster, await publisher.stop());
  });

  it('when the lease was left under a name that is no member (a renamed member, another cluster) then it is taken over, not waited out', async () => {
    const { cluster, publisher } = await runningCluster('foreign-lease', cleanup, { NATS_ROLLING_RESTART: 'on' });
    const nc = await connect({ servers: cluster.clientUrls });
    cleanup.push(() => nc.close());
    const kv = await eventually(
      'the members to have made the lease bucket',
      () => new Kvm(nc).open('iofog_nats_restart').then((b) => b.status().then(() => b)),
      30_000,
    );
    await kv.put('lease', 'old-cluster-0');
    const marks = await editEverywhere(cluster, '', REFUSED);
    const t0 = Date.now();
    for (const [i, m] of cluster.members.entries()) {
      // The lease's age is 120 s: restarts within it were not waiting for it to expire.
      assert.equal((await m.sup!.waitForOutcome({ from: marks[i], timeoutMs: 100_000 })).outcome, 'restarted', m.name);
      await cluster.waitHealthy(i);
    }
    const overs = cluster.members.flatMap((m, i) => m.sup!.lines.slice(marks[i]).filter((l) => /taken over/.test(String(l.msg))));
    assert.equal(overs.length, 1, 'taken over once, by one member');
    assert.equal(overs[0]!.holder, 'old-cluster-0');
    const windows = cluster.members.map((m, i) => restartWindow(m.sup!.lines.slice(marks[i]))).sort((a, b) => a[0] - b[0]);
    assert.ok(windows[0]![0] - t0 < 60_000, `the first restart began ${windows[0]![0] - t0} ms after the edit`);
    for (let k = 1; k < windows.length; k++) assert.ok(windows[k]![0] >= windows[k - 1]![1], `restarts one at a time: ${JSON.stringify(windows)}`);
    await assertNothingLost(cluster, await publisher.stop());
  });

  it('when a member dies holding the restart lease then the others restart once it has expired', async () => {
    const { cluster, publisher } = await runningCluster('lease-expiry', cleanup, { NATS_ROLLING_RESTART: 'on', NATS_RESTART_LEASE_SECONDS: '15' });
    const marks = await editEverywhere(cluster, '', REFUSED);
    const holder = await eventually('a member to take the lease', () => {
      const i = cluster.members.findIndex((m, k) => m.sup!.lines.slice(marks[k]).some((l) => l.msg === 'restart lease taken'));
      return i >= 0 ? { i } : undefined;
    }).then(({ i }) => i);
    // Killed with its nats-server, as a node that is lost takes the whole pod: nothing releases the lease.
    await cluster.kill(holder);
    const killedAt = Date.now();
    cluster.start(holder);
    const takenAt: number[] = [];
    for (const [i, m] of cluster.members.entries()) {
      if (i === holder) continue;
      assert.equal((await m.sup!.waitForOutcome({ from: marks[i], timeoutMs: 240_000 })).outcome, 'restarted', m.name);
      takenAt.push(Number(m.sup!.lines.slice(marks[i]).find((l) => l.msg === 'restart lease taken')?.time));
    }
    const waitedMs = Math.min(...takenAt) - killedAt;
    assert.ok(waitedMs >= 10_000, `the lease held the others until it expired (taken ${waitedMs} ms after the kill)`);
    await Promise.all(cluster.members.map((_, i) => cluster.waitHealthy(i)));
    await assertNothingLost(cluster, await publisher.stop());
  });
});

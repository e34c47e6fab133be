import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeLayout, removeLayout, type Layout } from '../support/layout.js';
import { OperatorWorld, putInMount } from '../support/operator.js';
import { freePort } from '../support/ports.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { eventually } from '../support/wait.js';
import { perTestCleanup } from '../support/cleanup.js';
import { serverBin } from '../support/supervise.js';

const cleanup = perTestCleanup();

/** A second cluster member, run bare: the supervisor's pushes must reach it through the route. */
async function bareServer(l: Layout): Promise<ChildProcess> {
  await mkdir(l.jwtDir, { recursive: true });
  const child = spawn(serverBin(), ['-c', l.conf, '-m', String(l.monitorPort)], { cwd: l.confDir, stdio: 'ignore' });
  cleanup.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  return child;
}

/** Routed to its one peer. 2.9 opens one route per peer; 2.10+ pools several (3 by default): count peers. */
async function routed(l: Layout): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${l.monitorPort}/routez`).catch(() => null);
  if (res?.ok !== true) return false;
  const routes = ((await res.json()) as { routes?: { remote_id: string }[] }).routes ?? [];
  return new Set(routes.map((r) => r.remote_id)).size === 1;
}

/** Two full-resolver servers routed to each other; the supervisor runs the first, the second runs bare. */
async function cluster(name: string, secondLimit?: number) {
  const [l1, l2] = await Promise.all([makeLayout(`${name}-1`), makeLayout(`${name}-2`)]);
  cleanup.push(
    () => removeLayout(l1),
    () => removeLayout(l2),
  );
  const w = await OperatorWorld.create();
  const [a, b] = await Promise.all([w.account('A'), w.account('B')]);
  const [p1, p2] = [await freePort(), await freePort()];
  await writeFile(l1.conf, w.config(l1, { cluster: { name: 's1', port: p1, routes: [p2] } }));
  await writeFile(l2.conf, w.config(l2, { cluster: { name: 's2', port: p2, routes: [p1] }, ...(secondLimit ? { resolverLimit: secondLimit } : {}) }));
  await w.creds(w.sys, path.join(l1.credsDir, 'sys.creds'));
  await putInMount(l1, a, b);
  await bareServer(l2);
  const sup = SupervisorProcess.start(l1, { NATS_SYS_USER_CRED_PATH: 'sys.creds' });
  cleanup.push(() => sup.dispose());
  await sup.waitForState('running.idle');
  await eventually('the route between the two servers', () => routed(l1));
  return { l1, l2, w, sup };
}

describe('operator mode in a cluster', () => {
  it('when a new account lands then every server of the cluster confirms its claims', async () => {
    const { l1, l2, w, sup } = await cluster('op-cluster');
    const from = sup.mark();
    const c = await w.account('C');
    await putInMount(l1, c);
    const line = await sup.waitForLog('the push', (x) => x.msg === 'reconcile finished' && (x.reconcile as { pushed: number }).pushed === 1, { from });
    assert.equal((line.reconcile as { failed: number }).failed, 0);
    await sup.waitForLog('the push to both servers', (x) => /claims pushed/.test(String(x.msg)) && x.servers === 2, { from });
    assert.equal((await readFile(path.join(l2.jwtDir, `${c.key}.jwt`), 'utf8')).trim(), c.jwt, 'the second server stored the new claims');
  });

  it('when one server of the cluster refuses the push then it is a failure naming that server, not a success', async () => {
    // The second server's resolver holds at most two JWTs: the system account's and one more.
    const { l1, w, sup } = await cluster('op-cluster-full', 2);
    const from = sup.mark();
    await putInMount(l1, await w.account('C'), await w.account('D'));
    const line = await sup.waitForLog('a failed push', (x) => x.msg === 'reconcile finished' && (x.reconcile as { failed: number }).failed > 0, {
      from,
      timeoutMs: 20_000,
    });
    assert.deepEqual(
      [(line.reconcile as { pushed: number }).pushed, (line.reconcile as { failed: number }).failed],
      [1, 1],
      'one of the two fits on the second server',
    );
    const failure = sup.lines.slice(from).find((x) => /claims push failed/.test(String(x.msg)));
    assert.match(String(failure?.error), /s2: .*jwt store is full/);
  });
});

// What a leaf config change costs the leaf's clients: disconnections and the longest time a client could not
// publish, per change, over BENCH_CHANGES changes (add, change a URL, remove a remote: all reloadable on 2.14+).
// Three runs side by side: bare nats-server + SIGHUP (the floor), the restart rule (a build from before
// reload-first, BENCH_BASELINE_DIST) and this build. Run by hand (docs/performance.md says how); asserts nothing.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { basicConfig, makeLayout, removeLayout, type Layout } from '../../test/support/layout.js';
import { natsConnect } from '../../test/support/nats.js';
import { freePort } from '../../test/support/ports.js';
import { startProcess, summary, type Running } from './lib.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NATS = process.env.NATS_SERVER_BIN ?? execFileSync('sh', ['-c', 'command -v nats-server']).toString().trim();
const CHANGES = Number(process.env.BENCH_CHANGES ?? 20);
const BASELINE = process.env.BENCH_BASELINE_DIST ? path.resolve(process.env.BENCH_BASELINE_DIST) : null;

const leafConfig = (l: Layout, hubs: number[]): string =>
  basicConfig(l, `leafnodes { remotes: [ ${hubs.map((p) => `{ url: "nats-leaf://127.0.0.1:${p}" }`).join(', ')} ] }`);

async function leafCount(l: Layout): Promise<number> {
  try {
    return ((await (await fetch(`http://127.0.0.1:${l.monitorPort}/leafz`)).json()) as { leafnodes?: number }).leafnodes ?? 0;
  } catch {
    return -1;
  }
}

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<number> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
  return performance.now() - t0;
}

/** A client that publishes and flushes in a loop, recording the longest gap between two flushes that got through. */
function publisher(nc: NatsConnection) {
  let disconnects = 0;
  let last = performance.now();
  let worst = 0;
  let running = true;
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'disconnect') disconnects += 1;
  })();
  const loop = (async () => {
    while (running) {
      try {
        nc.publish('bench.leaf', 'x');
        await nc.flush();
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      } catch {
        await sleep(5);
      }
      await sleep(2);
    }
  })();
  return {
    window: () => {
      const out = { disconnects, worstGapMs: Math.max(worst, performance.now() - last) };
      disconnects = 0;
      worst = 0;
      return out;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

interface Who {
  name: string;
  start(l: Layout): Running;
  applied(r: Running, from: number): Promise<void>;
}

const supervisor = (name: string, dist: string): Who => ({
  name,
  start: (l) => startProcess(process.execPath, [path.join(dist, 'cli.js')], { ...l.env, NATS_SERVER_BIN: NATS, NATS_SERVER_MODE: 'leaf' }, REPO),
  applied: async (r, from) => {
    await until('the outcome', () => r.lines.slice(from).some((x) => typeof x.outcome === 'string'));
    await until('running.idle', () => r.lines.slice(from).some((x) => x.state === 'running.idle' && typeof x.event === 'string'));
  },
});

const bare: Who = {
  name: 'bare nats-server + SIGHUP (floor)',
  start: (l) => startProcess(NATS, ['-c', l.conf, '-m', String(l.monitorPort)], {}, l.confDir),
  applied: async (r) => {
    r.child.kill('SIGHUP');
    await sleep(50);
  },
};

async function startHubs(dir: string, n: number): Promise<{ ports: number[]; stop(): void }> {
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const conf = path.join(dir, `hub${i}.conf`);
    await writeFile(conf, `listen: 127.0.0.1:${await freePort()}\nleafnodes { listen: 127.0.0.1:${port} }\n`);
    children.push(spawn(NATS, ['-c', conf], { stdio: 'ignore' }));
    ports.push(port);
  }
  return {
    ports,
    stop: () =>
      children.forEach((c) => {
        c.kill('SIGTERM');
      }),
  };
}

async function runOne(who: Who, hubs: number[]): Promise<void> {
  const [h1, h2, h3] = hubs as [number, number, number];
  // add a remote, change a URL, remove a remote, change a URL back: each a reloadable change on 2.14+.
  const cycle = [[h1, h2], [h3, h2], [h3], [h1]];
  const l = await makeLayout('bench-leaf');
  await writeFile(l.conf, leafConfig(l, [h1]));
  const proc = who.start(l);
  try {
    await until('the leaf connected', async () => (await leafCount(l)) === 1);
    const nc = await natsConnect(l, { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 20 });
    const pub = publisher(nc);
    await sleep(300);
    pub.window();
    const disconnects: number[] = [];
    const gaps: number[] = [];
    const converge: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const hubsNow = cycle[i % cycle.length]!;
      const from = proc.lines.length;
      const t0 = performance.now();
      await writeFile(l.conf, leafConfig(l, hubsNow));
      await who.applied(proc, from);
      await until('the leaf converged', async () => (await leafCount(l)) === hubsNow.length);
      converge.push(performance.now() - t0);
      await sleep(200);
      const w = pub.window();
      disconnects.push(w.disconnects);
      gaps.push(w.worstGapMs);
    }
    await pub.stop();
    await nc.close();
    const total = disconnects.reduce((a, b) => a + b, 0);
    console.log(`${who.name}`);
    console.log(`  client disconnections: ${total} over ${CHANGES} changes (${(total / CHANGES).toFixed(2)} per change)`);
    console.log(`  longest time unable to publish, per change: ${summary(gaps)}`);
    console.log(`  change written -> leaf connections converged: ${summary(converge)}`);
  } finally {
    await proc.stop();
    await removeLayout(l);
  }
}

async function main(): Promise<void> {
  console.log(`nats-server: ${execFileSync(NATS, ['--version']).toString().trim()}  node ${process.version}  changes: ${CHANGES}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-bench-hubs-'));
  const hubs = await startHubs(dir, 3);
  try {
    await runOne(bare, hubs.ports);
    if (BASELINE) await runOne(supervisor(`restart rule (${BASELINE})`, BASELINE), hubs.ports);
    else console.log('restart rule: skipped (set BENCH_BASELINE_DIST to a build from before reload-first, see docs/performance.md)');
    await runOne(supervisor('reload first (this build)', path.join(REPO, 'dist')), hubs.ports);
  } finally {
    hubs.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

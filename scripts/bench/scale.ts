/**
 * What the supervisor's questions cost at production size (issue #25, item 4), in one run: three members on
 * loopback holding BENCH_STREAMS file streams (one in BENCH_R3_EVERY R3, 3 by default, the rest R1) with BENCH_CONSUMERS durable consumers
 * each, built once through bare nats-servers and then run twice on the same stores: bare, and each member under the
 * built supervisor (dist/cli.js, as the image runs it). For each: the time until every member has caught up, then
 * BENCH_IDLE_S idle seconds of CPU (a share of one core) and RSS of nats-server and the supervisor, the time to
 * answer /healthz (the supervisor's; bare: nats-server's js-enabled-only), and the time of a leave decision on each member (the
 * spare check's question and rule). Then the same at BENCH_SMALL streams.
 *   npm run build && BENCH_STREAMS=10000 BENCH_CONSUMERS=3 npm run bench:scale
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { askLeaveBlockers } from '../../src/cluster/spare-check.js';
import { TestCluster } from '../../test/support/cluster.js';
import { natsServersUsing } from '../../test/support/process-table.js';
import { SupervisorProcess } from '../../test/support/supervisor-process.js';
import { eventually } from '../../test/support/wait.js';
import { percentile, processUsage } from './lib.js';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 2000);
const SMALL = Number(process.env.BENCH_SMALL ?? 100);
const CONSUMERS = Number(process.env.BENCH_CONSUMERS ?? 3);
/** Every R3_EVERY-th stream is R3 (its consumers too), the rest R1. */
const R3_EVERY = Number(process.env.BENCH_R3_EVERY ?? 3);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
/** Requests in flight while building; at 10,000 streams here 32 made the JetStream API time out (docs/performance.md). */
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 16);
/** BENCH_COSTS=1: after the bare run's idle, what each steady-state question costs nats-server (~1 min). */
const COSTS = process.env.BENCH_COSTS === '1';
const CLI = path.resolve(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const TICKS_PER_S = 100;
/** BENCH_SUPERVISED_FIRST=1 runs the supervised pass first: a second run in the other order tells order from cost. */
const ORDER = process.env.BENCH_SUPERVISED_FIRST === '1' ? [true, false] : [false, true];

/** Adding a stream or consumer with the same config again is no change: one that timed out is asked again. */
async function again<T>(add: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await add();
    } catch (err) {
      if (i >= tries) throw err;
    }
  }
}

async function build(cluster: TestCluster, streams: number): Promise<number> {
  const t0 = Date.now();
  const nc = await connect({ servers: cluster.clientUrls, timeout: 20_000 });
  const jsm = await jetstreamManager(nc, { timeout: 60_000 });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < streams; i = next++) {
      const name = `S${i}`;
      await again(() => jsm.streams.add({ name, subjects: [`s.${i}`], num_replicas: i % R3_EVERY === 0 ? 3 : 1 }));
      for (let c = 0; c < CONSUMERS; c++) await again(() => jsm.consumers.add(name, { durable_name: `C${c}`, ack_policy: AckPolicy.Explicit }));
      if (i % 1000 === 999) console.error(`built ${i + 1} streams in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  await nc.close();
  return (Date.now() - t0) / 1000;
}

/** Every member's nats-server says, in its full /healthz, that it has caught up; seconds from the start. */
async function caughtUp(cluster: TestCluster, t0: number): Promise<number> {
  for (let i = 0; i < cluster.members.length; i++) {
    await eventually(
      `n${i} caught up`,
      async () => (await fetch(`http://127.0.0.1:${cluster.members[i]!.layout.monitorPort}/healthz`).catch(() => null))?.status === 200,
      600_000,
    );
  }
  return (Date.now() - t0) / 1000;
}

interface Figures {
  caughtUpS: number;
  serverCpu: number[];
  serverRss: number[];
  supCpu: number[];
  supRss: number[];
  healthzMs: number;
  leaveMs: number[];
  /** Table rows: what each steady-state question costs n0's nats-server (bare run, BENCH_COSTS=1). */
  costs: string[];
}

async function idle(pids: { server: number; sup: number | null }[]): Promise<Pick<Figures, 'serverCpu' | 'serverRss' | 'supCpu' | 'supRss'>> {
  const before = pids.map((p) => ({ server: processUsage(p.server).ticks, sup: p.sup ? processUsage(p.sup).ticks : 0 }));
  await sleep(IDLE_S * 1000);
  const share = (ticks: number) => (100 * ticks) / TICKS_PER_S / IDLE_S;
  return {
    serverCpu: pids.map((p, i) => share(processUsage(p.server).ticks - before[i]!.server)),
    serverRss: pids.map((p) => processUsage(p.server).rssMb),
    supCpu: pids.map((p, i) => (p.sup ? share(processUsage(p.sup).ticks - before[i]!.sup) : 0)),
    supRss: pids.map((p) => (p.sup ? processUsage(p.sup).rssMb : 0)),
  };
}

/** What the supervisor asks each nats-server in the steady state, and how often (docs/performance.md). */
const STEADY_QUESTIONS = [
  { path: '/healthz?js-server-only=true', everyMs: 5000 },
  { path: '/healthz?js-enabled-only=true', everyMs: 5000 },
  { path: '/varz', everyMs: 5000 },
];
const COST_WINDOW_S = 10;

/**
 * nats-server's CPU per answer to each steady-state question, as a share of one core at the supervisor's rate:
 * the question asked back to back for COST_WINDOW_S, less nats-server's own idle CPU over as long just before.
 * Exact where the idle comparison is noise (the floor moves by ±3 points between runs at 10,000 streams).
 */
async function questionCosts(pid: number, port: number): Promise<string[]> {
  const lines: string[] = [];
  for (const q of STEADY_QUESTIONS) {
    const idle0 = processUsage(pid).ticks;
    await sleep(COST_WINDOW_S * 1000);
    const idleTicks = processUsage(pid).ticks - idle0;
    const t0 = processUsage(pid).ticks;
    const end = Date.now() + COST_WINDOW_S * 1000;
    let n = 0;
    for (; Date.now() < end; n++) await fetch(`http://127.0.0.1:${port}${q.path}`).then((r) => r.arrayBuffer());
    const msEach = (((processUsage(pid).ticks - t0 - idleTicks) / TICKS_PER_S) * 1000) / n;
    const share = (100 * msEach) / q.everyMs;
    lines.push(`| ${q.path} | ${n} | ${msEach.toFixed(2)} ms | every ${q.everyMs / 1000} s: ${share.toFixed(3)} % of a core |`);
  }
  return lines;
}

async function timed(ask: () => Promise<unknown>, n = 10): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await ask();
    ms.push(performance.now() - t0);
  }
  return percentile(ms, 50);
}

async function run(cluster: TestCluster, supervised: boolean): Promise<Figures> {
  const t0 = Date.now();
  cluster.members.forEach((m, i) => {
    if (!supervised) return void cluster.startBare(i);
    m.sup = SupervisorProcess.start(m.layout, { NATS_LOG_LEVEL: 'info' }, [], CLI);
  });
  const caughtUpS = await caughtUp(cluster, t0);
  const pids = cluster.members.map((m) => ({ server: natsServersUsing(m.layout.root)[0]!, sup: supervised ? m.sup!.pid : null }));
  const usage = await idle(pids);
  const m0 = cluster.members[0]!;
  const healthzMs = await timed(() =>
    fetch(supervised ? `http://127.0.0.1:${m0.statusPort}/healthz` : `http://127.0.0.1:${m0.layout.monitorPort}/healthz?js-enabled-only=true`).then((r) =>
      r.text(),
    ),
  );
  // On every member: nats-server places R1 streams unevenly, and the decision's cost follows what the member holds.
  const leaveMs: number[] = [];
  for (const m of cluster.members) leaveMs.push(await timed(() => askLeaveBlockers(m.layout.monitorPort, AbortSignal.timeout(30_000)), 3));
  const costs = !supervised && COSTS ? await questionCosts(pids[0]!.server, m0.layout.monitorPort) : [];
  await stopAll(cluster, supervised);
  return { caughtUpS, healthzMs, leaveMs, costs, ...usage };
}

/**
 * All three at once: one by one, each member's shutdown waits out the groups that lost their quorum with the one
 * before it (at 10,000 streams a bare nats-server was still shutting down 5 min after SIGTERM).
 */
async function stopAll(cluster: TestCluster, supervised: boolean): Promise<void> {
  await Promise.all(cluster.members.map((m, i) => (supervised ? m.sup!.stop('SIGTERM') : cluster.stopBare(i, 'SIGTERM'))));
}

const f1 = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' / ');
const f0 = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' / ');

async function scale(streams: number): Promise<void> {
  const cluster = await TestCluster.create(`bench-scale-${streams}`);
  try {
    cluster.members.forEach((_, i) => cluster.startBare(i));
    await caughtUp(cluster, Date.now());
    await eventually('a meta leader', async () => (await cluster.metaGroupSize()) === 3, 60_000);
    const buildS = await build(cluster, streams);
    await stopAll(cluster, false);
    console.log(`\n${streams} streams (one in ${R3_EVERY} R3), ${streams * CONSUMERS} consumers: built in ${buildS.toFixed(0)} s; ${IDLE_S} s idle`);
    console.log(
      '| run | caught up | nats-server CPU % (n0/n1/n2) | nats-server RSS MB | supervisor CPU % | supervisor RSS MB | /healthz | leave decision (n0/n1/n2) |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    const costLines: string[] = [];
    for (const supervised of ORDER) {
      const r = await run(cluster, supervised);
      const cells = [
        supervised ? 'supervised' : 'bare',
        `${r.caughtUpS.toFixed(1)} s`,
        f1(r.serverCpu),
        f0(r.serverRss),
        supervised ? f1(r.supCpu) : '-',
        supervised ? f0(r.supRss) : '-',
        `${r.healthzMs.toFixed(1)} ms`,
        `${f0(r.leaveMs)} ms`,
      ];
      console.log(`| ${cells.join(' | ')} |`);
      costLines.push(...r.costs);
    }
    if (costLines.length > 0) {
      console.log(`\nWhat each question costs n0's nats-server (bare run), asked back to back for ${COST_WINDOW_S} s:`);
      console.log("| question | asked | nats-server CPU per answer | at the supervisor's rate |\n|---|---|---|---|");
      console.log(costLines.join('\n'));
    }
  } catch (err) {
    for (const m of cluster.members) console.error(`${m.name}'s last lines:\n${await tail(path.join(m.layout.root, 'bare.log'))}`);
    throw err;
  } finally {
    await cluster.dispose();
  }
}

async function tail(file: string, lines = 15): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '(no log)');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

console.log(`nats-server ${process.env.NATS_SERVER_BIN ?? 'nats-server'}; supervisor ${CLI}`);
await scale(STREAMS);
if (SMALL > 0 && SMALL !== STREAMS) await scale(SMALL);

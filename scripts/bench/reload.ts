// Supervisor vs bare nats-server, side by side in one run: change-to-applied latency (in-place edits and
// Kubernetes ..data swaps), an event storm over the certs and creds dirs, startup to /healthz, idle RSS and CPU.
// Run by hand: npm run build && npm run bench. Prints figures; asserts nothing.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { atomicWriterUpdate, basicConfig, makeLayout, removeLayout, type Layout } from '../../test/support/layout.js';
import { configLoadTime, NODE_FLAGS, percentile, processUsage, startProcess, summary, waitForLoadTimeChange, waitHealthy, type Running } from './lib.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NATS = process.env.NATS_SERVER_BIN ?? execFileSync('sh', ['-c', 'command -v nats-server']).toString().trim();
const EDITS = Number(process.env.BENCH_EDITS ?? 30);

// BENCH_DIST picks another build (e.g. one made by another loader) to measure beside this one.
const DIST = path.resolve(REPO, process.env.BENCH_DIST ?? 'dist');

function supervise(l: Layout): Running {
  return startProcess(process.execPath, [...NODE_FLAGS, path.join(DIST, 'cli.js')], { ...l.env, NATS_SERVER_BIN: NATS }, REPO);
}

function bare(l: Layout): Running {
  return startProcess(NATS, ['-c', l.conf, '-m', String(l.monitorPort)], {}, l.confDir);
}

function barePid(r: Running): number {
  return r.child.pid!;
}

type Writer = (l: Layout, i: number) => Promise<void>;
const inPlace: Writer = (l, i) => writeFile(l.conf, basicConfig(l, `max_payload: ${1_000_000 + i}`));
const swap: Writer = (l, i) => atomicWriterUpdate(l.confDir, { 'server.conf': basicConfig(l, `max_payload: ${1_000_000 + i}`) }, i);

async function latencies(l: Layout, write: Writer, afterWrite: () => void): Promise<{ ms: number[]; missed: number }> {
  const ms: number[] = [];
  let missed = 0;
  for (let i = 1; i <= EDITS; i++) {
    const before = await configLoadTime(l);
    await sleep(20); // config_load_time has second-ish resolution in text; keep edits apart
    const t0 = performance.now();
    await write(l, i);
    afterWrite();
    const waited = await waitForLoadTimeChange(l, before, 3000);
    if (waited === null) missed += 1;
    else ms.push(performance.now() - t0);
    await sleep(150);
  }
  return { ms, missed };
}

async function benchLatency(kind: 'in-place' | 'swap'): Promise<void> {
  const write = kind === 'in-place' ? inPlace : swap;
  for (const who of ['bare nats-server + SIGHUP', 'iofog-nats'] as const) {
    const l = await makeLayout(`bench-${kind}`);
    await write(l, 0);
    const proc = who === 'iofog-nats' ? supervise(l) : bare(l);
    await waitHealthy(l);
    const hup = who === 'iofog-nats' ? () => undefined : () => process.kill(barePid(proc), 'SIGHUP');
    const { ms, missed } = await latencies(l, write, hup);
    console.log(`${kind.padEnd(8)} ${who.padEnd(26)} write→applied ${summary(ms)} missed=${missed}`);
    await proc.stop();
    await removeLayout(l);
  }
}

async function benchStorm(): Promise<void> {
  const l = await makeLayout('bench-storm');
  await writeFile(l.conf, basicConfig(l));
  const proc = supervise(l);
  await waitHealthy(l);
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    const dir = i % 2 ? l.tlsDir : l.credsDir;
    await writeFile(path.join(dir, `f${i % 20}.pem`), `content ${i}`);
    // Spread the 1000 writes over ~2 s.
    if (i % 10 === 9) await sleep(Math.max(0, i * 2 - (performance.now() - t0)));
  }
  const lastWriteAt = Date.now();
  const writeMs = performance.now() - t0;
  // Quiet = no new line for 1 s while idle; then read the times the supervisor logged.
  let seen = -1;
  while (seen !== proc.lines.length) {
    seen = proc.lines.length;
    await sleep(1000);
  }
  const outcomes = proc.lines.filter((x) => typeof x.outcome === 'string');
  const idleAt = Number(proc.lines.filter((x) => x.state === 'running.idle' && x.event).at(-1)?.time ?? NaN);
  const lastAfterWrites = Number(outcomes.at(-1)?.time ?? 0) >= lastWriteAt;
  console.log(
    `storm    1000 writes in ${writeMs.toFixed(0)} ms over certs+creds: reloads=${outcomes.length} ` +
      `all applied=${outcomes.every((o) => o.outcome === 'applied')} last reload after the last write=${lastAfterWrites} ` +
      `quiet ${(idleAt - lastWriteAt).toFixed(0)} ms after the last write`,
  );
  await proc.stop();
  await removeLayout(l);
}

/** The floor under the supervisor's start: node starting and exiting with nothing to run. */
function nodeBootMs(): number {
  const t0 = performance.now();
  execFileSync(process.execPath, [...NODE_FLAGS, '-e', '0']);
  return performance.now() - t0;
}

/**
 * Spawn until nats-server's "Server is ready" line reaches this process: from bare nats-server's stderr, or
 * forwarded by the supervisor in its JSON log (its forwarding counts against it). A reader, not a poller: on
 * this 2-core VM, polling /healthz every millisecond takes CPU from the start being measured.
 */
async function spawnToReadyMs(who: 'bare nats-server' | 'iofog-nats'): Promise<number> {
  const l = await makeLayout('bench-start');
  await writeFile(l.conf, basicConfig(l));
  const t0 = performance.now();
  const proc = who === 'iofog-nats' ? supervise(l) : bare(l);
  const ready = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${who}: not ready in 10 s`)), 10_000);
    for (const stream of [proc.child.stdout!, proc.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        if (!line.includes('Server is ready')) return;
        clearTimeout(timer);
        resolve(performance.now() - t0);
      });
    }
  });
  await waitHealthy(l);
  await proc.stop();
  await removeLayout(l);
  return ready;
}

/** The three interleaved, run by run: this VM's noise then moves floor and supervisor alike. */
async function benchStartup(): Promise<void> {
  const runs = Number(process.env.BENCH_STARTUP_RUNS ?? 20);
  const ms = { node: [] as number[], bare: [] as number[], sup: [] as number[] };
  for (let i = 0; i < runs; i++) {
    ms.node.push(nodeBootMs());
    ms.bare.push(await spawnToReadyMs('bare nats-server'));
    ms.sup.push(await spawnToReadyMs('iofog-nats'));
  }
  console.log(`startup  ${'node -e 0'.padEnd(26)} spawn→exit     ${summary(ms.node)}`);
  console.log(`startup  ${'bare nats-server'.padEnd(26)} spawn→ready    ${summary(ms.bare)}`);
  console.log(`startup  ${'iofog-nats'.padEnd(26)} spawn→ready    ${summary(ms.sup)}`);
  const over = percentile(ms.sup, 50) - percentile(ms.bare, 50) - percentile(ms.node, 50);
  console.log(`startup  iofog-nats p50 over bare + node p50: ${over.toFixed(1)} ms (target: at most 80 ms)`);
}

/** The floor under the supervisor's memory: node idling with nothing loaded. */
async function nodeIdleRssMb(): Promise<number> {
  const idle = startProcess(process.execPath, [...NODE_FLAGS, '-e', 'setInterval(() => {}, 60_000)'], {}, REPO);
  await sleep(2000);
  const rss = processUsage(idle.child.pid!).rssMb;
  await idle.stop();
  return rss;
}

async function benchIdle(): Promise<void> {
  const seconds = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
  console.log(`idle     node idling with nothing loaded: rss=${(await nodeIdleRssMb()).toFixed(1)} MB`);
  const l = await makeLayout('bench-idle');
  await writeFile(l.conf, basicConfig(l));
  const proc = supervise(l);
  await waitHealthy(l);
  await sleep(1000);
  const pid = proc.child.pid!;
  const start = processUsage(pid);
  let peak = start.rssMb;
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    peak = Math.max(peak, processUsage(pid).rssMb);
  }
  const end = processUsage(pid);
  const ticksPerSecond = 100;
  const cpuPct = ((end.ticks - start.ticks) / ticksPerSecond / seconds) * 100;
  console.log(`idle     iofog-nats over ${seconds} s: cpu=${cpuPct.toFixed(2)}% rss=${end.rssMb.toFixed(1)} MB (peak ${peak.toFixed(1)} MB)`);
  await proc.stop();
  await removeLayout(l);
}

const which = process.argv.slice(2);
const all = which.length === 0;
console.log(
  `${execFileSync(NATS, ['--version']).toString().trim()}; node ${process.version} ${NODE_FLAGS.join(' ')};` +
    ` ${path.relative(REPO, DIST)}/; edits per series: ${EDITS}`,
);
if (all || which.includes('latency')) {
  await benchLatency('in-place');
  await benchLatency('swap');
}
if (all || which.includes('storm')) await benchStorm();
if (all || which.includes('startup')) await benchStartup();
if (all || which.includes('idle')) await benchIdle();

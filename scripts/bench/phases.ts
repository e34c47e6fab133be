// Where a start goes: the supervisor's own log times from its spawn (median of interleaved runs), for one
// build or several side by side (BENCH_DISTS=dist,/tmp/other-dist), with NATS_SERVER_BIN's nats-server.
//   npm run bench:phases          BENCH_RUNS (20), BENCH_NODE_FLAGS (lib.ts: as the images run node)
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { basicConfig, makeLayout, removeLayout } from '../../test/support/layout.js';
import { NODE_FLAGS, percentile } from './lib.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NATS = process.env.NATS_SERVER_BIN ?? 'nats-server';
const DISTS = (process.env.BENCH_DISTS ?? 'dist').split(',').map((d) => path.resolve(REPO, d));
const RUNS = Number(process.env.BENCH_RUNS ?? 20);

/** The moments of a start, as the supervisor logs them. */
const PHASES: [string, (x: Record<string, unknown>) => boolean][] = [
  ['bundle loaded, logging', (x) => x.msg === 'iofog-nats starting'],
  ['validating', (x) => x.state === 'preparing.firstValidation'],
  ['validated', (x) => x.state === 'preparing.firstMirror'],
  ['nats-server spawned', (x) => x.state === 'starting'],
  ['nats-server says ready', (x) => x.server === true && /Server is ready/.test(String(x.msg))],
  ['supervisor sees it ready', (x) => x.state === 'running.idle' || x.state === 'reconciling.waitingReady'],
];

async function oneStart(dist: string): Promise<(number | undefined)[]> {
  const l = await makeLayout('bench-phases');
  await writeFile(l.conf, basicConfig(l));
  const t0 = Date.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, path.join(dist, 'cli.js')], {
    env: { ...process.env, ...l.env, NATS_SERVER_BIN: NATS, NATS_LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const at: (number | undefined)[] = PHASES.map(() => undefined);
  await new Promise<void>((done) => {
    createInterface({ input: child.stdout }).on('line', (raw) => {
      const x = JSON.parse(raw) as Record<string, unknown>;
      PHASES.forEach(([, is], i) => {
        if (at[i] === undefined && is(x)) at[i] = Number(x.time) - t0;
      });
      if (at.every((t) => t !== undefined)) done();
    });
    child.once('exit', () => done());
  });
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await removeLayout(l);
  return at;
}

const times = new Map(DISTS.map((d) => [d, PHASES.map(() => [] as number[])]));
for (let i = 0; i < RUNS; i++) {
  for (const dist of DISTS) (await oneStart(dist)).forEach((t, p) => t !== undefined && times.get(dist)![p]!.push(t));
}
console.log(`ms from spawn, median of ${RUNS} (node ${process.version} ${NODE_FLAGS.join(' ')}; ${NATS})`);
for (const [p, [name]] of PHASES.entries()) {
  console.log(`${name.padEnd(26)} ${DISTS.map((d) => String(percentile(times.get(d)![p]!, 50)).padStart(6)).join(' ')}`);
}
console.log(`${''.padEnd(26)} ${DISTS.map((d) => path.relative(REPO, d) || d).join(' | ')}`);

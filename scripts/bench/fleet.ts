/**
 * What the fleet view costs and how fast it answers (issue 27): three members and BENCH_LEAVES leaves (20), every
 * supervisor the built one (dist/cli.js, as the image runs it). `inspect --all` run BENCH_ASKS times (5) from
 * inside a member, timed whole (node's start included) and its survey alone; then each supervisor's CPU and RSS
 * over BENCH_IDLE_S (30) idle seconds with the service on, and the same with every supervisor restarted with
 * NATS_SERVICE=off, side by side in one run.
 *   npm run build && npm run bench:fleet      (NATS_SERVER_BIN picks the line)
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Cleanup } from '../../test/support/cleanup.js';
import { fleetHub, fleetLeaf } from '../../test/support/fleet.js';
import type { SupervisorProcess } from '../../test/support/supervisor-process.js';
import { eventually } from '../../test/support/wait.js';
import { percentile, processUsage } from './lib.js';

const CLI = path.resolve(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const LEAVES = Number(process.env.BENCH_LEAVES ?? 20);
const ASKS = Number(process.env.BENCH_ASKS ?? 5);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 30);
const TICKS_PER_S = 100;
const run = promisify(execFile);

type Survey = { rows: unknown[]; missing: string[] };

/** CPU (% of a core) and RSS (MB) of each supervisor over the idle window. */
async function idleCost(sups: SupervisorProcess[]): Promise<{ cpu: number[]; rss: number[] }> {
  const before = sups.map((s) => processUsage(s.child.pid!).ticks);
  await sleep(IDLE_S * 1000);
  const after = sups.map((s) => processUsage(s.child.pid!));
  return { cpu: after.map((a, i) => ((a.ticks - before[i]!) / TICKS_PER_S / IDLE_S) * 100), rss: after.map((a) => a.rssMb) };
}

async function fleet(service: 'auto' | 'off', cleanup: Cleanup[]) {
  const { cluster, leafPorts } = await fleetHub(cleanup);
  cluster.members.forEach((_, i) => cluster.start(i, { NATS_SERVICE: service }, CLI));
  await Promise.all(cluster.members.map((_, i) => cluster.waitHealthy(i, 120_000)));
  const leaves: SupervisorProcess[] = [];
  for (let i = 0; i < LEAVES; i++) leaves.push(await fleetLeaf(`edge${i}`, leafPorts, cleanup, { service: service === 'off' ? 'off' : 'on', builtCli: CLI }));
  await Promise.all(leaves.map((l) => l.waitForState('running.idle', { timeoutMs: 120_000 })));
  return { cluster, leaves };
}

async function askAll(env: Record<string, string>): Promise<{ wallMs: number; rows: number }> {
  const t0 = performance.now();
  const { stdout } = await run(process.execPath, [CLI, 'inspect', '--all', '--json'], { env: { ...process.env, ...env } });
  return { wallMs: performance.now() - t0, rows: (JSON.parse(stdout) as Survey).rows.length };
}

const f = (n: number) => n.toFixed(n < 10 ? 2 : 1);
const line = (what: string, values: number[], unit: string) =>
  `| ${what} | median ${f(percentile(values, 50))} ${unit}, ${f(Math.min(...values))}–${f(Math.max(...values))} (n=${values.length}) |`;

async function main(): Promise<void> {
  const table: string[] = ['| what | figure |', '|---|---|'];
  for (const service of ['auto', 'off'] as const) {
    const cleanup: Cleanup[] = [];
    try {
      const { cluster, leaves } = await fleet(service, cleanup);
      if (service === 'auto') {
        const env = cluster.members[0]!.layout.env;
        await eventually('every instance', async () => (await askAll(env)).rows === 3 + LEAVES, 60_000);
        const asks = [];
        for (let i = 0; i < ASKS; i++) asks.push(await askAll(env));
        table.push(
          line(
            `inspect --all, 3 members + ${LEAVES} leaves, the whole command`,
            asks.map((a) => a.wallMs),
            'ms',
          ),
        );
      }
      const members = await idleCost(cluster.members.map((m) => m.sup!));
      const edge = await idleCost(leaves);
      table.push(line(`service ${service}: member supervisor CPU over ${IDLE_S} s idle`, members.cpu, '% of a core'));
      table.push(line(`service ${service}: member supervisor RSS`, members.rss, 'MB'));
      table.push(line(`service ${service}: leaf supervisor CPU over ${IDLE_S} s idle`, edge.cpu, '% of a core'));
      table.push(line(`service ${service}: leaf supervisor RSS`, edge.rss, 'MB'));
    } finally {
      for (const fn of cleanup.reverse()) await fn();
    }
  }
  console.log(table.join('\n'));
}

await main();

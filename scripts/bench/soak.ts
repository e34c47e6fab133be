// The soak: BENCH_SOAK_CHANGES random changes (default 2000) over BENCH_SOAK_SECONDS (default 600) against
// the built supervisor on loopback, with a client publishing to a JetStream stream throughout. Changes:
// config edits (valid and invalid), cert rotations, creds and JWT writes, SIGHUPs to the supervisor, and
// nats-server kills (at most one a minute: ten crashes in a row end the supervisor by design).
// Reports acked messages lost, outcomes, the supervisor's RSS and open fds at start and end, zombies, and
// the longest time spent in each state. Run by hand: npm run build && npm run bench:soak. Asserts nothing.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { basicConfig, makeLayout, removeLayout, type Layout } from '../../test/support/layout.js';
import { natsConnect } from '../../test/support/nats.js';
import { natsServersUsing } from '../../test/support/process-table.js';
import { processUsage, startProcess, type Running } from './lib.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NATS = process.env.NATS_SERVER_BIN ?? execFileSync('sh', ['-c', 'command -v nats-server']).toString().trim();
const CHANGES = Number(process.env.BENCH_SOAK_CHANGES ?? 2000);
const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const KILL_EVERY_MS = 70_000;
// A steady stream rather than a flood: the soak is about the supervisor, on a 2-core machine.
const PUBLISH_EVERY_MS = 5;
/** RSS growth is measured from here: the first changes warm V8 up (compiled code, grown pools). */
const WARM_UP = 0.1;

type Kind = 'config' | 'invalid' | 'cert' | 'creds' | 'jwt' | 'sighup' | 'kill';
const WEIGHTS: [Kind, number][] = [
  ['config', 30],
  ['invalid', 10],
  ['cert', 15],
  ['creds', 15],
  ['jwt', 15],
  ['sighup', 15],
  ['kill', 2],
];

function pick(): Kind {
  let r = Math.random() * WEIGHTS.reduce((a, [, w]) => a + w, 0);
  for (const [k, w] of WEIGHTS) if ((r -= w) < 0) return k;
  return 'config';
}

async function openFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** Children of `pid` left as zombies (nobody waited for them). */
async function zombiesOf(pid: number): Promise<number> {
  let n = 0;
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' && Number(ppid) === pid) n += 1;
  }
  return n;
}

/** Publishes to the stream as fast as acks come back; counts what nats-server acked. */
function publisher(nc: NatsConnection) {
  let acked = 0;
  let failed = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const reply = await nc.request('soak.data', 'x', { timeout: 2000 });
        if (reply.json<{ seq?: number }>().seq) acked += 1;
        else failed += 1;
        await sleep(PUBLISH_EVERY_MS);
      } catch {
        failed += 1;
        await sleep(50);
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { acked, failed };
    },
  };
}

async function change(kind: Kind, l: Layout, sup: Running, i: number, lastKill: { at: number }): Promise<Kind> {
  switch (kind) {
    case 'config':
      return (void (await writeFile(l.conf, basicConfig(l, `max_payload: ${1_000_000 + i}`))), kind);
    case 'invalid':
      return (void (await writeFile(l.conf, basicConfig(l, `max_payloadx: ${i}`))), kind);
    case 'cert':
      return (void (await writeFile(path.join(l.tlsDir, 'soak', 'tls.crt'), `cert ${i}`)), kind);
    case 'creds':
      return (void (await writeFile(path.join(l.credsDir, 'soak.creds'), `creds ${i}`)), kind);
    case 'jwt':
      return (void (await writeFile(path.join(l.jwtMount, 'README'), `jwt ${i}`)), kind);
    case 'sighup':
      return (void sup.child.kill('SIGHUP'), kind);
    case 'kill': {
      if (Date.now() - lastKill.at < KILL_EVERY_MS) return change('config', l, sup, i, lastKill);
      lastKill.at = Date.now();
      for (const pid of natsServersUsing(l.root)) process.kill(pid, 'SIGKILL');
      return kind;
    }
  }
}

/** The longest stretch spent in each state, from the transition lines. */
function dwell(lines: Record<string, unknown>[]): [string, number][] {
  const transitions = lines.filter((x) => typeof x.state === 'string' && typeof x.event === 'string') as { state: string; time: number }[];
  const longest = new Map<string, number>();
  for (let i = 0; i + 1 < transitions.length; i++) {
    const t = transitions[i]!;
    longest.set(t.state, Math.max(longest.get(t.state) ?? 0, transitions[i + 1]!.time - t.time));
  }
  return [...longest].filter(([s]) => s !== 'running.idle').sort((a, b) => b[1] - a[1]);
}

async function main(): Promise<void> {
  console.log(`nats-server: ${execFileSync(NATS, ['--version']).toString().trim()}  node ${process.version}  ${CHANGES} changes over ${SECONDS} s`);
  const l = await makeLayout('soak');
  await mkdir(path.join(l.tlsDir, 'soak'), { recursive: true });
  await mkdir(l.jwtMount, { recursive: true });
  await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000'));
  const sup = startProcess(process.execPath, [path.join(REPO, 'dist', 'cli.js')], { ...l.env, NATS_SERVER_BIN: NATS, NATS_LOG_LEVEL: 'info' }, REPO);
  const pid = sup.child.pid!;
  try {
    while (!sup.lines.some((x) => x.state === 'running.idle')) await sleep(20);
    await sleep(3000);
    const start = { rss: processUsage(pid).rssMb, fds: await openFds(pid) };
    const nc = await natsConnect(l, { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await nc.request('$JS.API.STREAM.CREATE.SOAK', JSON.stringify({ name: 'SOAK', subjects: ['soak.>'], storage: 'file' }), { timeout: 5000 });
    const pub = publisher(nc);
    const done = new Map<Kind, number>();
    const lastKill = { at: Date.now() };
    const gap = (SECONDS * 1000) / CHANGES;
    const t0 = Date.now();
    let warm = start;
    for (let i = 0; i < CHANGES; i++) {
      if (i === Math.floor(CHANGES * WARM_UP)) warm = { rss: processUsage(pid).rssMb, fds: await openFds(pid) };
      const kind = await change(pick(), l, sup, i, lastKill);
      done.set(kind, (done.get(kind) ?? 0) + 1);
      const wait = t0 + (i + 1) * gap - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000'));
    const settled = Date.now();
    const idleAgain = async (): Promise<boolean> => {
      for (let waited = 0; waited < 60_000; waited += 100) {
        const last = sup.lines.filter((x) => typeof x.state === 'string' && typeof x.event === 'string').at(-1);
        if (last?.state === 'running.idle' && Date.now() - Number(last.time) > 1000) return true;
        await sleep(100);
      }
      return false;
    };
    const settledOk = await idleAgain();
    const { acked, failed } = await pub.stop();
    const info = (await nc.request('$JS.API.STREAM.INFO.SOAK', '', { timeout: 5000 })).json<{ state?: { messages?: number } }>();
    await nc.close();
    const stored = info.state?.messages ?? 0;
    const end = { rss: processUsage(pid).rssMb, fds: await openFds(pid) };
    const outcomes = new Map<string, number>();
    for (const x of sup.lines) if (typeof x.outcome === 'string') outcomes.set(x.outcome, (outcomes.get(x.outcome) ?? 0) + 1);
    const crashes = sup.lines.filter((x) => x.state === 'backingOff' && typeof x.event === 'string').length;
    console.log(`changes made: ${[...done].map(([k, n]) => `${k} ${n}`).join(', ')} in ${((settled - t0) / 1000).toFixed(0)} s`);
    console.log(`outcomes: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}; crashes seen: ${crashes}`);
    const why = new Map<string, number>();
    for (const x of sup.lines)
      if (x.level === 40 && typeof x.error === 'string' && /exited|started/.test(x.error)) why.set(x.error, (why.get(x.error) ?? 0) + 1);
    const serverErrors = sup.lines.filter((x) => x.server === true && Number(x.level) >= 50).map((x) => String(x.msg).slice(0, 120));
    console.log(`crashes: ${[...why].map(([k, n]) => `${n}x ${k}`).join('; ')}; nats-server errors: ${[...new Set(serverErrors)].slice(0, 5).join(' | ')}`);
    console.log(`JetStream: ${acked} acked, ${stored} stored, lost ${Math.max(0, acked - stored)} (publishes not acked: ${failed})`);
    const growth = (from: number): string => `${(((end.rss - from) / from) * 100).toFixed(1)} %`;
    console.log(
      `supervisor RSS: ${start.rss.toFixed(1)} MB at start, ${warm.rss.toFixed(1)} MB after ${WARM_UP * 100} % of the changes,` +
        ` ${end.rss.toFixed(1)} MB at the end (${growth(warm.rss)} after warm-up, ${growth(start.rss)} in all)`,
    );
    console.log(`supervisor open fds: ${start.fds} -> ${end.fds}; zombies: ${await zombiesOf(pid)}; nats-servers: ${natsServersUsing(l.root).length}`);
    console.log(`back in running.idle after the last change: ${settledOk ? 'yes' : 'NO'}`);
    console.log(
      `longest stay per state: ${dwell(sup.lines)
        .slice(0, 8)
        .map(([s, ms]) => `${s} ${ms} ms`)
        .join(', ')}`,
    );
    const links = await Promise.all((await readdir(`/proc/${pid}/fd`)).map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '?')));
    console.log(`open fds at the end: ${[...new Set(links.map((x) => x.replace(/\d+/g, 'N')))].join(' ')}`);
  } finally {
    await sup.stop();
    await removeLayout(l);
  }
}

await main();

// Operator mode at scale, supervisor vs bare nats-server (whose resolver dir the bench fills itself):
// start-up with N accounts, all N JWTs rewritten, one of N rewritten. Run by hand after `npm run build`:
//   node --import tsx scripts/bench/operator.ts [N ...]      (default: 1000 5000)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { credsAuthenticator } from '@nats-io/transport-node';
import { atomicWriterUpdate, makeLayout, removeLayout, type Layout } from '../../test/support/layout.js';
import { natsConnect } from '../../test/support/nats.js';
import { OperatorWorld, type TestAccount } from '../../test/support/operator.js';
import { NODE_FLAGS, processUsage, startProcess, waitHealthy, type Running } from './lib.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NATS = process.env.NATS_SERVER_BIN ?? execFileSync('sh', ['-c', 'command -v nats-server']).toString().trim();
const SAMPLE = 5;
// Node flags for the supervisor (lib.ts), e.g. BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.

let version = 0;
let swappedAt = 0;
/**
 * The kubelet's way: the whole projection into a new timestamped dir, then `..data` swapped (AtomicWriter).
 * Returns the moment of the swap: before it, nothing a reader of the mount sees has changed.
 */
async function writeMount(l: Layout, accounts: TestAccount[]): Promise<number> {
  await mkdir(l.jwtMount, { recursive: true });
  await atomicWriterUpdate(l.jwtMount, Object.fromEntries(accounts.map((a) => [`${a.key}.jwt`, a.jwt])), ++version, flushToDisk);
  swappedAt = Date.now();
  if (process.env.BENCH_TIMELINE) console.log(`    ${swappedAt} ..data swapped`);
  return performance.now();
}

/**
 * The bench's own writes leave thousands of dirty pages whose write-back would throttle the writes being
 * measured (on this VM's disk: file creation from 30 µs to over 300 µs). The kubelet's writes are not ours.
 */
function flushToDisk(): void {
  execFileSync('sync');
}

async function nextSecond(): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === now) await sleep(5);
}

async function accountJwt(l: Layout, key: string): Promise<string | null> {
  const res = await fetch(`http://127.0.0.1:${l.monitorPort}/accountz?acc=${key}`).catch(() => null);
  if (!res?.ok) return null;
  return ((await res.json()) as { account_detail?: { jwt?: string } }).account_detail?.jwt ?? null;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<number> {
  const t0 = performance.now();
  while (!(await probe())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await sleep(5);
  }
  return performance.now() - t0;
}

/** Every account's file in the resolver dir holds exactly its JWT (read once, at the end of a phase). */
async function resolverHolds(l: Layout, accounts: TestAccount[]): Promise<boolean> {
  const texts = await Promise.all(accounts.map((a) => readFile(path.join(l.jwtDir, `${a.key}.jwt`), 'utf8').catch(() => '')));
  return texts.every((t, i) => t.trim() === accounts[i]!.jwt);
}

/** The supervisor's own report of a step, as ms after `sinceEpochMs` (its log lines carry epoch times). */
async function reported(sup: Running, from: number, sinceEpochMs: number, what: string, pred: (x: Record<string, unknown>) => boolean): Promise<number> {
  let line: Record<string, unknown> | undefined;
  await until(what, async () => Boolean((line = sup.lines.slice(from).find(pred))));
  return Number(line!.time) - sinceEpochMs;
}

const mirrored = (n: number) => (x: Record<string, unknown>) => x.msg === 'JWT mirror updated the resolver dir' && x.copied === n;
const allPushed = (n: number) => (x: Record<string, unknown>) => /account claims pushed/.test(String(x.msg)) && Number(x.pushed) + Number(x.failed) >= n;

async function bench(n: number): Promise<void> {
  const w = await OperatorWorld.create();
  const t0 = performance.now();
  let accounts = await Promise.all(Array.from({ length: n }, (_, i) => w.account(`ACC${i}`)));
  console.log(`N=${n}: generated ${n} account JWTs in ${(performance.now() - t0).toFixed(0)} ms`);

  // Floor: bare nats-server with its resolver dir already filled.
  const bare = await makeLayout(`bench-op-bare-${n}`);
  await writeFile(bare.conf, w.config(bare));
  await writeMount(bare, accounts);
  await mkdir(bare.jwtDir, { recursive: true });
  await Promise.all(accounts.map((a) => writeFile(path.join(bare.jwtDir, `${a.key}.jwt`), a.jwt)));
  flushToDisk();
  let t = performance.now();
  const bareProc = startProcess(NATS, ['-c', bare.conf, '-m', String(bare.monitorPort)], {}, bare.confDir);
  await waitHealthy(bare, 60_000);
  console.log(`N=${n}: bare nats-server spawn→/healthz (resolver pre-filled) ${(performance.now() - t).toFixed(0)} ms`);
  await bareProc.stop();
  await removeLayout(bare);

  const l = await makeLayout(`bench-op-${n}`);
  await writeFile(l.conf, w.config(l));
  await w.creds(w.sys, path.join(l.credsDir, 'sys.creds'));
  await writeMount(l, accounts);
  flushToDisk();
  t = performance.now();
  const spawnedAt = Date.now();
  const sup = startProcess(
    process.execPath,
    [...NODE_FLAGS, path.join(REPO, 'dist', 'cli.js')],
    { ...l.env, NATS_SERVER_BIN: NATS, NATS_SYS_USER_CRED_PATH: 'sys.creds', NATS_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
    REPO,
  );
  await waitHealthy(l, 60_000);
  const healthy = performance.now() - t;
  const startMirror = await reported(sup, 0, spawnedAt, 'start-up mirror', mirrored(n));
  assert.ok(await resolverHolds(l, accounts), 'resolver dir = mount after start');
  console.log(`N=${n}: iofog-nats spawn → resolver dir = mount ${startMirror} ms, /healthz 200 ${healthy.toFixed(0)} ms`);
  if (process.env.BENCH_TIMELINE) for (const x of sup.lines.slice(0, 40)) console.log('   ', x.time, String(x.state ?? ''), String(x.msg).slice(0, 90));

  // A sample of accounts spread over the set, each kept loaded by a connected user.
  const sample = Array.from({ length: SAMPLE }, (_, i) => accounts[Math.round((i * (n - 1)) / (SAMPLE - 1))]!);
  const conns = await Promise.all(
    sample.map(async (a) => {
      const creds = await w.creds(a, path.join(l.root, 'users', `${a.name}.creds`));
      return natsConnect(l, { authenticator: credsAuthenticator(await readFile(creds)) });
    }),
  );
  await sleep(500); // let the start-up reconcile finish before the rewrite (measured separately above)

  await nextSecond();
  accounts = await Promise.all(accounts.map((a) => w.account(a.name, { kp: a.kp, conn: 100 })));
  const from = sup.lines.length;
  t = await writeMount(l, accounts);
  const jwtOf = new Map(accounts.map((a) => [a.key, a.jwt]));
  const sampleLive = await until('new claims live for the sample', async () =>
    (await Promise.all(sample.map(async (a) => (await accountJwt(l, a.key)) === jwtOf.get(a.key)))).every(Boolean),
  );
  const allMirrored = await reported(sup, from, swappedAt, 'all files mirrored', mirrored(n));
  const pushedAll = await reported(sup, from, swappedAt, 'all claims pushed', allPushed(n));
  assert.ok(await resolverHolds(l, accounts), 'every resolver file new');
  console.log(
    `N=${n}: all ${n} rewritten, from the ..data swap → every resolver file new ${allMirrored} ms,` +
      ` every claim pushed ${pushedAll} ms (sample of ${SAMPLE} live ${sampleLive.toFixed(0)} ms)`,
  );

  await sleep(1000);
  await nextSecond();
  const one = await w.account(accounts[0]!.name, { kp: accounts[0]!.kp, conn: 50 });
  accounts = [one, ...accounts.slice(1)];
  t = await writeMount(l, accounts);
  await until('one account live', async () => (await accountJwt(l, one.key)) === one.jwt);
  console.log(`N=${n}: one of ${n} rewritten, from the ..data swap → its new claims live ${(performance.now() - t).toFixed(0)} ms`);
  // BENCH_TIMELINE=1 (with BENCH_LOG_LEVEL=debug): the supervisor's last lines, to see where the time goes.
  if (process.env.BENCH_TIMELINE) {
    for (const x of sup.lines.slice(-40)) console.log('   ', x.time, String(x.state ?? ''), String(x.msg).slice(0, 90), x.ms ?? '');
    const counts = new Map<string, number>();
    for (const x of sup.lines) counts.set(String(x.msg).slice(0, 60), (counts.get(String(x.msg).slice(0, 60)) ?? 0) + 1);
    console.log(
      [...counts]
        .filter(([, c]) => c > 3)
        .map(([m, c]) => `    ${c} × ${m}`)
        .join('\n'),
    );
  }
  console.log(`N=${n}: supervisor RSS ${processUsage(sup.child.pid!).rssMb.toFixed(1)} MB`);
  await Promise.all(conns.map((c) => c.close()));
  await sup.stop();
  await removeLayout(l);
}

const sizes = process.argv.slice(2).map(Number).filter(Boolean);
for (const n of sizes.length ? sizes : [1000, 5000]) await bench(n);

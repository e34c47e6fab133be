/**
 * What a rolling restart of a three-member JetStream cluster costs the publishers, in one run: the supervisor with
 * default settings (gated on its /healthz) against bare nats-server stopped with SIGTERM and with lame duck
 * (gated on /healthz?js-server-only=true, the NATS Helm chart's readiness). An R3 file and an R3 memory stream,
 * a publisher at 200 msg/s per stream waiting for each ack, on for 15 s after the roll; then every acked message
 * is read back.
 *   npm run bench:cluster            (BENCH_ROLLS=n rolls each; NATS_SERVER_BIN picks the line)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AckedPublisher, createReplicatedStreams, missingAcked } from '../../test/support/acked-publisher.js';
import { TestCluster } from '../../test/support/cluster.js';
import { eventually } from '../../test/support/wait.js';

const ROLLS = Number(process.env.BENCH_ROLLS ?? 1);
const SETTLE_MS = 15_000;

type Variant = { name: string; bare: NodeJS.Signals | null };
const VARIANTS: Variant[] = [
  { name: 'supervisor, defaults (gate: its /healthz)', bare: null },
  { name: 'bare nats-server, SIGTERM (gate: js-server-only)', bare: 'SIGTERM' },
  { name: 'bare nats-server, lame duck (gate: js-server-only)', bare: 'SIGUSR2' },
];

/** A bare member's gate: js-server-only in a roll (the Helm chart's readiness); the full /healthz at first start. */
async function bareReady(cluster: TestCluster, i: number, query = '?js-server-only=true'): Promise<void> {
  await eventually(
    `/healthz${query}`,
    async () => {
      const res = await fetch(`http://127.0.0.1:${cluster.members[i]!.layout.monitorPort}/healthz${query}`).catch(() => null);
      return res?.status === 200;
    },
    120_000,
  );
}

async function roll(cluster: TestCluster, v: Variant): Promise<void> {
  for (let i = 0; i < cluster.members.length; i++) {
    if (v.bare) {
      await cluster.stopBare(i, v.bare);
      cluster.startBare(i);
      await bareReady(cluster, i);
    } else {
      await cluster.stop(i);
      cluster.start(i);
      await cluster.waitHealthy(i);
    }
  }
}

async function measure(v: Variant): Promise<string> {
  const cluster = await TestCluster.create('bench-cluster');
  try {
    cluster.members.forEach((_, i) => (v.bare ? cluster.startBare(i) : cluster.start(i)));
    await Promise.all(cluster.members.map((_, i) => (v.bare ? bareReady(cluster, i, '') : cluster.waitHealthy(i))));
    await createReplicatedStreams(cluster.clientUrls);
    const publisher = await AckedPublisher.start(cluster.clientUrls, ['FILE', 'MEM']);
    await eventually('the first acks', () => publisher.records.every((r) => r.acked.size > 200), 30_000);
    const t0 = Date.now();
    for (let n = 0; n < ROLLS; n++) await roll(cluster, v);
    const rollS = (Date.now() - t0) / 1000;
    // Publishing goes on a while after the last gate: a stream the roll broke shows it in failures and the gap.
    await sleep(SETTLE_MS);
    const records = await publisher.stop();
    const cells = [];
    for (const r of records) {
      const lost = (await missingAcked(cluster.clientUrls, r)).length;
      cells.push(`${r.stream}: ${lost}/${r.acked.size} lost, ${r.failed} failed, gap ${(r.longestGapMs / 1000).toFixed(1)} s`);
    }
    return `| ${v.name} | ${cells.join(' | ')} | ${rollS.toFixed(0)} s |`;
  } finally {
    await cluster.dispose();
  }
}

console.log(`rolling restart of 3 members, ${ROLLS} roll(s) each, nats-server ${process.env.NATS_SERVER_BIN ?? 'nats-server'}`);
console.log('| variant | FILE (R3) | MEM (R3) | roll took |');
console.log('|---|---|---|---|');
for (const v of VARIANTS) console.log(await measure(v));

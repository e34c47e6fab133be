/**
 * nats-server's peak memory in a memory-limited container under a JetStream load, with the GOMEMLIMIT the
 * supervisor derives from the limit and without one (NATS_GOMEMLIMIT_PERCENT=off), in one run: the image
 * (`npm run image` first) at the same --memory, a file stream capped at STREAM_MIB, publishers sending 128 KiB
 * messages as fast as acks come back and
 * readers fetching it from the start, for LOAD_SECONDS. Peak: nats-server's VmHWM; OOM: the kernel killed it
 * (the supervisor's crash count, or the container's OOMKilled).
 *   npm run bench:memory            (BENCH_MEMORY=192m, BENCH_SECONDS=30, BENCH_STREAM_MIB=256)
 */
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { withContainer, type Container } from '../../test/support/container.js';
import { basicConfig } from '../../test/support/layout.js';
import { natsConnect } from '../../test/support/nats.js';

const LIMIT = process.env.BENCH_MEMORY ?? '192m';
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const STREAM_MIB = Number(process.env.BENCH_STREAM_MIB ?? 256);
const READERS = 4;
const PAYLOAD = Buffer.alloc(128 * 1024, 7);
const PUBLISHERS = 16;

type Variant = { name: string; env: Record<string, string> };
const VARIANTS: Variant[] = [
  { name: 'no GOMEMLIMIT (NATS_GOMEMLIMIT_PERCENT=off)', env: { NATS_GOMEMLIMIT_PERCENT: 'off' } },
  { name: 'GOMEMLIMIT from the limit (default)', env: {} },
];

type State = { server: { pid: number; crashes: number; goMemLimit: { value: string | null } | null } };

async function kib(c: Container, pid: number, field: string): Promise<number> {
  const status = (await c.exec(['cat', `/proc/${pid}/status`]).catch(() => ({ stdout: '' }))).stdout;
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
}

/** Publishes as fast as acks return; messages whose publish failed (nats-server killed) are counted, not retried. */
async function load(c: Container, l: Parameters<typeof natsConnect>[0]): Promise<{ acked: number; failed: number }> {
  const nc = await natsConnect(l, { maxReconnectAttempts: -1 });
  await jetstreamManager(nc).then((jsm) => jsm.streams.add({ name: 'LOAD', subjects: ['load.>'], max_bytes: STREAM_MIB * 1024 * 1024 }));
  const js = jetstream(nc, { timeout: 5000 });
  const until = Date.now() + LOAD_SECONDS * 1000;
  let acked = 0;
  let failed = 0;
  const publishing = Array.from({ length: PUBLISHERS }, async (_, p) => {
    while (Date.now() < until) {
      await js.publish(`load.${p}`, PAYLOAD).then(
        () => acked++,
        async () => {
          failed++;
          await sleep(100);
        },
      );
    }
  });
  // Readers from the start pull the store's blocks into nats-server's caches.
  const reading = Array.from({ length: READERS }, async () => {
    while (Date.now() < until) {
      const consumer = await js.consumers.get('LOAD').catch(() => null);
      const messages = await consumer?.fetch({ max_messages: 20, expires: 2000 }).catch(() => null);
      if (!messages) continue;
      for await (const m of messages)
        if (Date.now() > until) break;
        else void m;
    }
  });
  await Promise.all([...publishing, ...reading]);
  await nc.close();
  void c;
  return { acked, failed };
}

async function measure(v: Variant): Promise<string> {
  const { c, l, cleanup } = await withContainer(`bench-memory`, async (x) => writeFile(x.host.conf, basicConfig(x.inside)), {
    restricted: true,
    options: ['--memory', LIMIT, '--memory-swap', LIMIT],
    env: { NATS_LOG_LEVEL: 'info', ...v.env },
  });
  try {
    await c.waitForState('running.idle', { timeoutMs: 30_000 });
    const before = (await c.status()) as unknown as State;
    const { acked, failed } = await load(c, l.host);
    const after = (await c.status().catch(() => null)) as unknown as State | null;
    const peak = after ? await kib(c, after.server.pid, 'VmHWM') : 0;
    const oomKilled = ((await c.inspect()) as unknown as { State: { OOMKilled: boolean } }).State.OOMKilled;
    const crashes = (after?.server.crashes ?? 0) - before.server.crashes;
    const cells = [v.name, before.server.goMemLimit?.value ?? 'none', `${(peak / 1024).toFixed(0)} MiB`, crashes, oomKilled ? 'yes' : 'no', acked, failed];
    return `| ${cells.join(' | ')} |`;
  } finally {
    await cleanup();
  }
}

console.log(
  `nats-server in a --memory ${LIMIT} container, ${LOAD_SECONDS} s of ${PUBLISHERS} publishers of 128 KiB` +
    ` to a ${STREAM_MIB} MiB file stream and ${READERS} readers`,
);
console.log('| variant | GOMEMLIMIT | nats-server peak RSS (last process) | nats-server OOM-killed (restarts) | container OOM-killed | acked | failed |');
console.log('|---|---|---|---|---|---|---|');
for (const v of VARIANTS) console.log(await measure(v));

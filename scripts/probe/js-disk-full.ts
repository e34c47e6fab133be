/**
 * Does nats-server re-enable JetStream by itself once its full store has room again? (issue #19, item 2: "first
 * check on each line"). Bare nats-server, its store on a 48 MiB tmpfs (root), a file stream published into until
 * nats-server disables JetStream, then the filler removed and JetStream asked after for PROBE_WAIT_S seconds.
 *   NATS_SERVER_BIN=/opt/nats-server/2.15/nats-server node --import tsx scripts/probe/js-disk-full.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { tmpfsStoreLayout } from './tmpfs-store.js';
import { serverBin } from '../../test/support/supervise.js';

const WAIT_S = Number(process.env.PROBE_WAIT_S ?? 60);
const { store, port, monitor, conf, remove } = await tmpfsStoreLayout();
const lines: string[] = [];
const startServer = () => {
  const child = spawn(serverBin(), ['-c', conf, '-m', String(monitor)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  return child;
};
let server = startServer();
const healthz = async (q: string) =>
  (await fetch(`http://127.0.0.1:${monitor}/healthz${q}`, { signal: AbortSignal.timeout(3000) }).catch(() => null))?.status ?? 0;
const jsEnabled = async () => {
  const jsz = (await (await fetch(`http://127.0.0.1:${monitor}/jsz`, { signal: AbortSignal.timeout(3000) }).catch(() => null))?.json().catch(() => null)) as {
    disabled?: boolean;
    config?: unknown;
  } | null;
  return jsz ? jsz.disabled !== true && jsz.config !== undefined : false;
};
const streamMessages = async (): Promise<number | null> => {
  const jsz = (await (
    await fetch(`http://127.0.0.1:${monitor}/jsz?streams=true`, { signal: AbortSignal.timeout(3000) }).catch(() => null)
  )
    ?.json()
    .catch(() => null)) as {
    account_details?: { stream_detail?: { name: string; state: { messages: number } }[] }[];
  } | null;
  return jsz?.account_details?.flatMap((a) => a.stream_detail ?? []).find((d) => d.name === 'FILL')?.state.messages ?? null;
};
try {
  for (let i = 0; i < 100 && (await healthz('')) !== 200; i++) await sleep(100);
  const version = execFileSync(serverBin(), ['--version']).toString().trim();
  const nc = await connect({ servers: `127.0.0.1:${port}` });
  await (await jetstreamManager(nc)).streams.add({ name: 'FILL', subjects: ['fill'] });
  const free = Number(execFileSync('df', ['--output=avail', '-B1', store]).toString().split('\n')[1]);
  await writeFile(path.join(store, 'filler'), Buffer.alloc(Math.max(0, free - 512 * 1024)));
  const js = jetstream(nc, { timeout: 2000 });
  let acked = 0;
  const fillUntil = Date.now() + 20_000;
  let lastFillError = '';
  for (let i = 0; i < 2000 && Date.now() < fillUntil && !lines.some((l) => /DISABLED|Critical write error/i.test(l)); i++) {
    await js.publish('fill', Buffer.alloc(16 * 1024)).then(
      () => acked++,
      (e: unknown) => void (lastFillError = String(e)),
    );
  }
  // nats-server says "will be DISABLED" a moment after the write error, if it does.
  for (let i = 0; i < 50 && !lines.some((l) => /DISABLED/.test(l)); i++) await sleep(100);
  const disabledLine = lines.find((l) => /DISABLED/.test(l)) ?? lines.find((l) => /Critical write error/i.test(l)) ?? '(none)';
  const before = { jsEnabled: await jsEnabled(), jsOnly: await healthz('?js-enabled-only=true'), full: await healthz('') };
  await rm(path.join(store, 'filler'));
  const t0 = Date.now();
  // Back means an acked publish: what a client needs, whatever /jsz and /healthz say.
  let back = false;
  let lastError = '';
  while (!back && Date.now() - t0 < WAIT_S * 1000) {
    back = await js.publish('fill', Buffer.alloc(10)).then(
      () => true,
      (e: unknown) => {
        lastError = String(e);
        return false;
      },
    );
    if (!back) await sleep(1000);
  }
  const publishes = back ? 'acked' : lastError;
  const after = { jsEnabled: await jsEnabled(), jsOnly: await healthz('?js-enabled-only=true'), full: await healthz('') };
  // Is it the stream that broke, or JetStream? A new stream, after.
  const fresh = await jetstreamManager(nc, { timeout: 3000 })
    .then((jsm) => jsm.streams.add({ name: 'AFTER', subjects: ['after'] }))
    .then(() => js.publish('after', Buffer.alloc(10)))
    .then(
      () => 'a new stream takes a publish',
      (e: unknown) => `a new stream fails: ${String(e)}`,
    );
  const linesWhileFull = [...new Set(lines.filter((l) => /\[(ERR|WRN)\]/.test(l)).map((l) => l.replace(/^.*\] /, '').slice(0, 160)))].slice(0, 8);
  await nc.close();
  // Does a restart bring the stream back? SIGTERM, then a new nats-server on the same store.
  const stored = await streamMessages();
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const stop = await Promise.race([exited.then(() => 'exited on SIGTERM'), sleep(15_000).then(() => 'no exit 15 s after SIGTERM: SIGKILL')]);
  if (stop !== 'exited on SIGTERM') server.kill('SIGKILL');
  await exited;
  server = startServer();
  for (let i = 0; i < 100 && (await healthz('')) !== 200; i++) await sleep(100);
  const nc2 = await connect({ servers: `127.0.0.1:${port}` });
  const afterRestart = await jetstream(nc2, { timeout: 2000 })
    .publish('fill', Buffer.alloc(10))
    .then(
      async () => `acked; FILL held ${stored} before, ${(await streamMessages()) ?? '?'} after (with this one)`,
      (e: unknown) => `not acked: ${String(e)}`,
    );
  await nc2.close();
  console.log(
    JSON.stringify({
      linesWhileFull,
      stop,
      afterRestart,
      version,
      acked,
      lastFillError,
      disabledLine: disabledLine.replace(/^.*\] /, ''),
      whileFull: before,
      afterFreed: {
        publishAckedWithinS: back ? Math.round((Date.now() - t0) / 1000) : `not within ${WAIT_S}`,
        lastPublish: publishes,
        newStream: fresh,
        ...after,
      },
    }),
  );
} finally {
  server.kill('SIGKILL');
  await sleep(200);
  await remove();
}

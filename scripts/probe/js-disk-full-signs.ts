/**
 * What does each nats-server line say about a full store, and where? (issue #25, item 3: a store fault is what
 * nats-server itself says). Bare nats-server (with -D), its store on a 48 MiB tmpfs (root), a file stream published
 * into until publishes fail, then each cheap endpoint asked with a 3 s deadline, and nats-server's log lines kept.
 *   NATS_SERVER_BIN=/opt/nats-server/2.9/nats-server node --import tsx scripts/probe/js-disk-full-signs.ts
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { tmpfsStoreLayout } from './tmpfs-store.js';
import { serverBin } from '../../test/support/supervise.js';

const { store, port, monitor, conf, remove } = await tmpfsStoreLayout();
const lines: string[] = [];
const server = spawn(serverBin(), ['-c', conf, '-m', String(monitor), '-D'], { stdio: ['ignore', 'pipe', 'pipe'] });
server.stderr.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
const ask = async (p: string) => {
  const t0 = Date.now();
  const r = await fetch(`http://127.0.0.1:${monitor}${p}`, { signal: AbortSignal.timeout(3000) }).catch((e: unknown) => String(e));
  if (typeof r === 'string') return { p, ms: Date.now() - t0, error: r.slice(0, 60) };
  const body = await r.text();
  return { p, ms: Date.now() - t0, status: r.status, body: body.slice(0, 600) };
};
const endpoints = ['/healthz', '/healthz?js-enabled-only=true', '/varz', '/jsz'];
try {
  for (let i = 0; i < 100 && (await ask('/healthz')).status !== 200; i++) await sleep(100);
  const nc = await connect({ servers: `127.0.0.1:${port}` });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'FILL', subjects: ['fill'] });
  await jsm.streams.add({ name: 'MEM', subjects: ['mem'], storage: 'memory' as never });
  const free = Number(execFileSync('df', ['--output=avail', '-B1', store]).toString().split('\n')[1]);
  await writeFile(path.join(store, 'filler'), Buffer.alloc(Math.max(0, free - 512 * 1024)));
  const js = jetstream(nc, { timeout: 2000 });
  let failed = 0;
  const mark = lines.length;
  for (let i = 0; i < 400 && failed < 3; i++) await js.publish('fill', Buffer.alloc(16 * 1024)).catch(() => failed++);
  await sleep(2000);
  const before = [];
  for (const e of endpoints) before.push(await ask(e));
  const jsInfo = await jsm.getAccountInfo().then(
    (i) => JSON.stringify(i).slice(0, 300),
    (e: unknown) => `error: ${String(e)}`,
  );
  const memPub = await js.publish('mem', Buffer.alloc(10)).then(
    () => 'acked',
    (e: unknown) => String(e),
  );
  const seen = lines
    .slice(mark)
    .filter((l) => !/\[TRC\]|<<-|->>/.test(l))
    .map((l) => l.replace(/^.*?\] /, '').slice(0, 200));
  console.log(
    JSON.stringify(
      { version: execFileSync(serverBin(), ['--version']).toString().trim(), failed, jsInfo, memPub, before, lines: [...new Set(seen)].slice(0, 40) },
      null,
      1,
    ),
  );
  await nc.close().catch(() => {});
} finally {
  server.kill('SIGKILL');
  await sleep(200);
  await remove();
}

/**
 * The smallest memory limit the image serves in (docs/image.md: The smallest container): for each limit, the
 * image (`npm run image` first) with swap off runs nats-server with JetStream; it serves when the supervisor's
 * /healthz says 200 within 30 s and 200 acked 1 KiB messages go to a file stream and a memory stream without
 * an OOM kill. Prints per limit: served or why not, nats-server's and the supervisor's RSS.
 *   node --import tsx scripts/probe/smallest-container.ts [MiB ...]     (default: 48 56 64 72 80 96 128)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { docker, withContainer, type Container } from '../../test/support/container.js';
import { basicConfig } from '../../test/support/layout.js';
import { natsConnect } from '../../test/support/nats.js';
import { eventually } from '../../test/support/wait.js';

const LIMITS = process.argv.slice(2).map(Number);
const MESSAGES = 200;

async function rssMiB(c: Container, pid: number): Promise<string> {
  const status = (await c.exec(['cat', `/proc/${pid}/status`])).stdout;
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return Number.isNaN(kb) ? '?' : (kb / 1024).toFixed(0);
}

async function hostRssMiB(pid: number): Promise<string> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return Number.isNaN(kb) ? '?' : (kb / 1024).toFixed(0);
}

async function oomKilled(c: Container): Promise<boolean> {
  return ((await c.inspect()) as unknown as { State: { OOMKilled: boolean } }).State.OOMKilled;
}

async function tryLimit(mib: number): Promise<string> {
  const limit = `${mib}m`;
  const { c, l, cleanup } = await withContainer('smallest', async (x) => writeFile(x.host.conf, basicConfig(x.inside)), {
    restricted: true,
    options: ['--memory', limit, '--memory-swap', limit],
    env: { NATS_LOG_LEVEL: 'info' },
  });
  try {
    await eventually('/healthz 200', async () => (await fetch(`http://127.0.0.1:${l.statusPort}/healthz`)).status === 200, 30_000);
    const nc = await natsConnect(l.host);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'F', subjects: ['f.>'], storage: 'file' as never });
    await jsm.streams.add({ name: 'M', subjects: ['m.>'], storage: 'memory' as never });
    const js = jetstream(nc);
    for (let i = 0; i < MESSAGES; i++) await Promise.all([js.publish(`f.${i}`, new Uint8Array(1024)), js.publish(`m.${i}`, new Uint8Array(1024))]);
    await nc.close();
    const st = (await c.status()) as unknown as { server: { pid: number; crashes: number } };
    const supervisorPid = (await c.processes()).find((p) => p.comm !== 'tini' && p.pid !== st.server.pid)?.pid;
    const sup = supervisorPid ? await hostRssMiB(supervisorPid) : '?';
    const used = (await docker('stats', '--no-stream', '--format', '{{.MemUsage}}', c.id)).trim().split(' / ')[0];
    return `| ${mib} MiB | serves | ${await rssMiB(c, st.server.pid)} MiB | ${sup} MiB | ${used} | ${st.server.crashes} |`;
  } catch (err) {
    const oom = await oomKilled(c).catch(() => false);
    const said =
      c.lines
        .filter((x) => (x.level ?? 0) >= 40)
        .map((x) => x.msg)
        .slice(-1)[0] ??
      c.stderr.slice(-1)[0] ??
      '';
    const why = `${oom ? 'container OOM-killed' : String(err).split('\n')[0]!.slice(0, 80)} ${said.slice(0, 120)}`;
    return `| ${mib} MiB | no: ${why} | | | | |`;
  } finally {
    await cleanup();
  }
}

const COLUMNS = ['--memory (swap off)', 'served (200 acked to a file and a memory stream)', 'nats-server RSS', 'supervisor RSS', 'in use', 'crashes'];
console.log(`| ${COLUMNS.join(' | ')} |`);
console.log(`|${'---|'.repeat(COLUMNS.length)}`);
for (const mib of LIMITS.length ? LIMITS : [40, 42, 44, 48, 64, 96]) console.log(await tryLimit(mib));

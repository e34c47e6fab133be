import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { perTestCleanup } from '../support/cleanup.js';
import { acceptLoss } from '../support/inspect.js';
import { natsConnect } from '../support/nats.js';
import { serverLine, superviseLayout } from '../support/supervise.js';
import { eventually } from '../support/wait.js';

const cleanup = perTestCleanup();
const LINE = serverLine();
const isRoot = process.getuid?.() === 0;
/** docs/faults.md, a full store disk: 2.10 takes writes again by itself; 2.9 and 2.15 need a new nats-server. */
const RECOVERS_BY_ITSELF = LINE === '2.10';

/** What the supervisor said about the store and nats-server's JetStream, for a failure's message. */
const storeLines = (sup: { lines: { msg?: string }[] }): string =>
  sup.lines
    .filter((x) => /store|jetstream|write/i.test(String(x.msg)))
    .slice(-20)
    .map((x) => JSON.stringify(x))
    .join('\n');

type State = {
  server: { restarts: number; storeFault: string | null; crashes: number };
  member: { store: string | null } | null;
  lastError: string | null;
};

describe(`a full JetStream store on nats-server ${LINE}`, () => {
  it(
    RECOVERS_BY_ITSELF
      ? 'when the store fills up and is freed then nats-server takes writes again by itself and nothing restarts'
      : 'when the store fills up then the supervisor is unhealthy and says why; once freed the restart waits for an operator, ' +
          'as it would lose acked data; accepted, nats-server restarts and every acked file message is there',
    { skip: !isRoot && 'mounting a small tmpfs needs root' },
    async () => {
      const { l, sup, base } = await superviseLayout(cleanup, 'store-full', {
        status: true,
        // 2.9 does not stop on SIGINT while its store write hangs: SIGKILL comes after the stop budget. The store dir
        // the environment names is wrong: the store check looks before /varz answers, and must then use the one
        // nats-server reports, or it never sees the store fill or get room again.
        env: { NATS_STOP_TIMEOUT_SECONDS: '5', NATS_JETSTREAM_STORE_DIR: '/nonexistent/wrong-store-dir' },
        prepare: async (x) => {
          await mkdir(x.storeDir, { recursive: true });
          execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', x.storeDir]);
          cleanup.push(() => execFileSync('umount', ['-l', x.storeDir]));
        },
        waitFor: 'running.idle',
      });
      const state = async (): Promise<State> => (await (await fetch(`${base}/state`)).json()) as State;
      // The client follows nats-server across the restart, as a real one does.
      const nc = await natsConnect(l, { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      cleanup.push(() => nc.close());
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'FILL', subjects: ['fill'] });
      // An R1 memory stream: a restart would throw its acked messages away (on 2.9 what JetStream holds cannot be told).
      await jsm.streams.add({ name: 'MEM', subjects: ['mem'], storage: StorageType.Memory });
      const js = jetstream(nc, { timeout: 2000 });
      for (let i = 0; i < 50; i++) await js.publish('mem', Buffer.from(String(i)));
      const acked: number[] = [];
      let lastError = '';
      const publish = async (i: number, size: number): Promise<boolean> =>
        js.publish('fill', Buffer.alloc(size, i % 251)).then(
          (ack) => (acked.push(ack.seq), true),
          (err: unknown) => ((lastError = String(err)), false),
        );
      for (let i = 0; i < 20; i++) assert.ok(await publish(i, 1024));

      const free = Number(execFileSync('df', ['--output=avail', '-B1', l.storeDir]).toString().split('\n')[1]);
      const filler = path.join(l.storeDir, 'filler');
      await writeFile(filler, Buffer.alloc(Math.max(0, free - 512 * 1024)));
      const healthz = async (): Promise<{ status: number; reason?: string }> => {
        const res = await fetch(`${base}/healthz`);
        return { status: res.status, ...((await res.json()) as { reason?: string }) };
      };
      // Publishing goes on until the store is full by this line's own sign (a publish timing out under load
      // is no sign): 2.10 refuses with "no space left on device"; 2.9 and 2.15 make a store fault.
      const full = async (): Promise<boolean> => (RECOVERS_BY_ITSELF ? /no space/i.test(lastError) : /JetStream store/.test(String((await healthz()).reason)));
      let i = 20;
      await eventually(
        'the store to be full by its sign',
        async () => {
          await publish(i++, 16 * 1024);
          return full();
        },
        60_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; the last publish: ${lastError}\n--- what the supervisor said of the store:\n${storeLines(sup)}`);
      });

      if (!RECOVERS_BY_ITSELF) {
        const health = await healthz();
        assert.equal(health.status, 503);
        assert.match(String(health.reason), /restarts once the store has room/);
        assert.notEqual((await state()).server.storeFault, null);
        assert.match(await (await fetch(`${base}/metrics`)).text(), /^iofog_nats_store_fault 1$/m);
        assert.equal((await state()).server.restarts, 0, 'no restart while the store is full');
      }

      await rm(filler);
      if (RECOVERS_BY_ITSELF) {
        await eventually('a publish acked again', () => publish(1000, 1024), 30_000);
        const s = await state();
        assert.equal(s.server.restarts, 0);
        assert.equal(s.server.storeFault, null);
      } else {
        await eventually('the restart held for an operator', async () => (await state()).member?.store === 'faulted.awaitingOperator', 60_000);
        const held = await state();
        assert.match(
          String(held.lastError),
          LINE === '2.9'
            ? /would lose what it holds in memory, which cannot be told/
            : /would lose the messages of its R1 memory streams: \$G > MEM \(50 messages\)/,
        );
        assert.equal(held.server.restarts, 0, 'no restart that loses acked data without an operator');
        assert.match(await (await fetch(`${base}/metrics`)).text(), /^iofog_nats_store_restart_held 1$/m);
        if (LINE !== '2.9') assert.equal((await jsm.streams.info('MEM')).state.messages, 50, 'the memory stream keeps its messages while held');
        assert.match((await acceptLoss(l)).stdout, /goes ahead/);
        await eventually('nats-server restarted for the store', async () => (await state()).server.restarts === 1, 60_000);
        await sup.waitForState('running.idle', { timeoutMs: 30_000 });
        await eventually('a publish acked again', () => publish(1000, 1024), 30_000);
        const s = await state();
        assert.equal(s.server.storeFault, null);
        assert.equal(s.server.crashes, 0);
        assert.ok(sup.lines.some((x) => String(x.msg).startsWith('the JetStream store has room again, but a restart would lose acked data')));
      }
      const info = await (await jetstreamManager(nc)).streams.info('FILL');
      for (const seq of acked) assert.ok(seq <= info.state.last_seq, `acked message ${seq} is in the stream`);
      assert.ok(info.state.messages >= acked.length, `${info.state.messages} stored, ${acked.length} acked`);
    },
  );
});

describe(`a nearly full JetStream store and a stalled nats-server ${LINE}`, () => {
  it(
    'when nats-server stalls for 12 s with its store 95 % full then there is no store fault, no 503 and no restart, and the memory stream keeps its messages',
    { skip: !isRoot && 'mounting a small tmpfs needs root' },
    async () => {
      const { l, base } = await superviseLayout(cleanup, 'store-stall', {
        status: true,
        prepare: async (x) => {
          await mkdir(x.storeDir, { recursive: true });
          execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', x.storeDir]);
          cleanup.push(() => execFileSync('umount', ['-l', x.storeDir]));
        },
        waitFor: 'running.idle',
      });
      const nc = await natsConnect(l);
      cleanup.push(() => nc.close());
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'MEM', subjects: ['mem'], storage: StorageType.Memory });
      const js = jetstream(nc, { timeout: 2000 });
      for (let i = 0; i < 50; i++) await js.publish('mem', Buffer.from(String(i)));
      await writeFile(path.join(l.storeDir, 'filler'), Buffer.alloc(Math.round(48 * 1024 ** 2 * 0.95)));
      const state = async (): Promise<State & { server: { pid: number | null } }> => (await (await fetch(`${base}/state`)).json()) as never;
      const pid = (await state()).server.pid;
      assert.ok(pid);
      const seen: number[] = [];
      const reasons = new Set<string>();
      await eventually('/healthz 200 before the stall', async () => (await fetch(`${base}/healthz`)).status === 200, 30_000);
      process.kill(pid, 'SIGSTOP');
      try {
        const until = Date.now() + 12_000;
        while (Date.now() < until) {
          const res = await fetch(`${base}/healthz`);
          if (res.status !== 200) reasons.add(String(((await res.json()) as { reason?: string }).reason));
          seen.push(res.status);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      await eventually('nats-server answering again', async () => (await jsm.streams.info('MEM').catch(() => null))?.state.messages === 50, 10_000);
      const s = await state();
      assert.deepEqual([...new Set(seen)], [200], `/healthz stays 200 while nats-server is slow; said: ${[...reasons].join('; ')}`);
      assert.equal(s.server.storeFault, null);
      assert.equal(s.server.restarts, 0);
      assert.equal(s.server.pid, pid);
    },
  );
});

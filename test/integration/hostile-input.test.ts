import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { MAX_HTTP_CONNECTIONS } from '../../src/status/connection-cap.js';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { perTestCleanup } from '../support/cleanup.js';
import { basicConfig } from '../support/layout.js';
import { natsServersUsing } from '../support/process-table.js';
import { superviseLayout } from '../support/supervise.js';
import { eventually } from '../support/wait.js';

// No input on a surface may stop nats-server or the supervisor: each gets an answer and nothing else.
const cleanup = perTestCleanup();

function readlinkOr(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return '';
  }
}

async function started(name: string) {
  const { l, sup, base } = await superviseLayout(cleanup, name, { config: (x) => basicConfig(x), status: true, waitFor: 'running.idle' });
  await sup.waitForLog('the status server', (x) => x.msg === 'status HTTP server listening');
  // Serving in full: /healthz says 200 once nats-server has caught up, a moment after it is ready.
  await eventually('/healthz to answer 200', async () => (await fetch(`${base}/healthz`)).status === 200);
  const [server] = natsServersUsing(l.root);
  return { l, sup, port: Number(new URL(base).port), server };
}

/** Sends raw bytes to a TCP or unix socket; resolves with whatever comes back before it closes (or 2 s). */
function raw(target: { port: number } | { path: string }, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(target as never);
    let got = '';
    const done = (): void => {
      socket.destroy();
      resolve(got);
    };
    socket.setTimeout(2000, done);
    socket.on('data', (d) => (got += d.toString()));
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => socket.write(bytes));
  });
}

async function stillServing(s: Awaited<ReturnType<typeof started>>): Promise<void> {
  assert.equal(s.sup.hasExited, false, `the supervisor exited:\n${s.sup.tail()}`);
  assert.deepEqual(natsServersUsing(s.l.root), [s.server], 'the same nats-server still runs');
  assert.equal((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status, 200);
  const state = await raw({ path: s.l.env.NATS_CONTROL_SOCKET! }, '{"cmd":"state"}\n');
  assert.match(state, /"state":"running.idle"/);
}

describe('hostile input', () => {
  it('when the status server gets request targets it cannot parse then it answers 400 and everything keeps running', async () => {
    const s = await started('http-targets');
    for (const target of ['//x:y', 'http://[::1', '*', '%', 'http://a:b@', '/\u0000']) {
      const answer = await raw({ port: s.port }, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.match(answer, /^HTTP\/1\.1 400/, `${JSON.stringify(target)} → ${answer.split('\r\n')[0]}`);
    }
    await stillServing(s);
  });

  it('when the status server gets arbitrary bytes then everything keeps running', async () => {
    const s = await started('http-fuzz');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')),
          fc.tuple(fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE', 'BREW'), fc.string({ maxLength: 60 })).map(([m, t]) => `${m} ${t} HTTP/1.1\r\n\r\n`),
        ),
        async (bytes) => {
          await raw({ port: s.port }, Buffer.from(bytes, 'latin1'));
          // After each input: a failure names the input that caused it.
          await stillServing(s);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('when 1,000 slow clients hold connections open then /healthz still answers, and the supervisor holds at most the cap', async () => {
    const s = await started('slowloris');
    const sockets = (): number => readdirSync(`/proc/${s.sup.pid}/fd`).filter((fd) => readlinkOr(`/proc/${s.sup.pid}/fd/${fd}`).startsWith('socket:')).length;
    const before = sockets();
    const slow: Socket[] = [];
    cleanup.push(() => slow.forEach((c) => c.destroy()));
    // Each sends the start of a request and then a byte now and then, never the end of its headers.
    for (let i = 0; i < 1000; i++) {
      const c = connect({ port: s.port });
      c.on('error', () => undefined);
      c.on('connect', () => c.write('GET /state HTTP/1.1\r\nHost: x\r\n'));
      slow.push(c);
    }
    const drip = setInterval(() => slow.forEach((c) => c.writable && c.write('X-Slow: 1\r\n')), 500);
    cleanup.push(() => clearInterval(drip));
    await eventually('the slow clients to connect', () => slow.filter((c) => c.readyState === 'open' || c.destroyed).length === slow.length);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`http://127.0.0.1:${s.port}/healthz`, { signal: AbortSignal.timeout(2000) });
      assert.equal(res.status, 200);
    }
    const held = sockets() - before;
    // Beside the capped connections, the supervisor's own questions to nats-server (health, store) hold a socket
    // or two for a moment: counted, they must not fail the test (without the cap it held 999).
    const OWN = 8;
    assert.ok(
      held <= MAX_HTTP_CONNECTIONS + OWN,
      `the supervisor holds ${held} more sockets than before the slow clients, at most ${MAX_HTTP_CONNECTIONS} + ${OWN}`,
    );
    clearInterval(drip);
    await stillServing(s);
  });

  it('when the control socket gets junk, an unterminated flood or an unknown command then each gets an error line and everything keeps running', async () => {
    const s = await started('socket-junk');
    const path = s.l.env.NATS_CONTROL_SOCKET!;
    assert.match(await raw({ path }, 'not json\n'), /"error":"not JSON/);
    assert.match(await raw({ path }, '{"cmd":"rm -rf"}\n'), /"error":"unknown command/);
    assert.match(await raw({ path }, 'null\n'), /"error"/);
    assert.match(await raw({ path }, 'x'.repeat(100_000)), /"error":"a command line is at most/);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (line) => {
        await raw({ path }, `${line}\n`);
        await stillServing(s);
      }),
      { numRuns: 60 },
    );
  });

  it('when a follower is killed with unread data then the supervisor carries on', async () => {
    const s = await started('socket-follower');
    const path = s.l.env.NATS_CONTROL_SOCKET!;
    const follower = connect(path);
    await new Promise((resolve) => follower.once('connect', resolve));
    follower.write('{"cmd":"follow"}\n');
    follower.pause();
    for (let i = 0; i < 5; i++) process.kill(s.sup.pid, 'SIGHUP');
    await s.sup.waitForOutcome({});
    follower.destroy();
    await stillServing(s);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { stat, writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { basicConfig, makeLayout, removeLayout } from '../support/layout.js';
import { varz } from '../support/nats.js';
import { natsServersUsing } from '../support/process-table.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { eventually } from '../support/wait.js';
import { perTestCleanup } from '../support/cleanup.js';
import { CLI, inspect, inspectJson } from '../support/inspect.js';
import { superviseLayout } from '../support/supervise.js';

const cleanup = perTestCleanup();

const start = (name: string, opts: { config?: boolean } = {}) =>
  superviseLayout(cleanup, name, { config: opts.config === false ? null : undefined, status: true });

/** Prometheus text format: every sample line is `name{labels} value`; returns name{labels} → value. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

/** A unix socket whose listener was SIGKILLed, as a crashed supervisor leaves it. */
async function staleSocket(socketPath: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout!, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
  assert.ok((await stat(socketPath)).isSocket(), 'the socket file is left');
}

describe('inspect', () => {
  it('when the supervisor is idle then inspect shows running.idle and the pid of nats-server', async () => {
    const { l, sup } = await start('inspect-idle');
    await sup.waitForState('running.idle');
    const doc = await inspectJson(l);
    assert.equal(doc.state, 'running.idle');
    assert.equal(doc.mode, 'server');
    assert.deepEqual([doc.server.pid], natsServersUsing(l.root));
    assert.ok(doc.history.length > 0);
    const human = (await inspect(l)).stdout;
    assert.match(human, /^state\s+running\.idle/m);
    assert.match(human, new RegExp(`pid ${doc.server.pid}`));
    assert.equal((await stat(l.env.NATS_CONTROL_SOCKET!)).mode & 0o777, 0o600);
  });

  it('when nats-server is up then inspect names the version it reports and whether it is healthy', async () => {
    const { l, sup } = await start('inspect-version');
    await sup.waitForState('running.idle');
    const reported = String((await varz(l)).version);
    const doc = await eventually('the version and health to be asked', async () => {
      const d = await inspectJson(l);
      return d.server.version !== null && d.server.healthy !== null && d;
    });
    assert.equal(doc.server.version, reported);
    assert.equal(doc.server.healthy, true);
    assert.match((await inspect(l)).stdout, new RegExp(`v${reported.replaceAll('.', '\\.')}.*healthy yes`));
  });

  it('when a config edit is applied then the reload count and causes change', async () => {
    const { l, sup } = await start('inspect-reload');
    await sup.waitForState('running.idle');
    assert.equal((await inspectJson(l)).reloads.count, 0);
    const from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    await sup.waitForOutcome({ from });
    const doc = await inspectJson(l);
    assert.equal(doc.reloads.count, 1);
    assert.deepEqual(doc.reloads.last?.causes, ['config']);
    assert.equal(doc.reloads.last?.outcome, 'applied');
  });

  it('when following then the transitions of a reload are printed as they happen', async () => {
    const { l, sup } = await start('inspect-follow');
    await sup.waitForState('running.idle');
    const follower = spawn(process.execPath, ['--import', 'tsx', CLI, 'inspect', '--follow'], {
      env: { ...process.env, NATS_CONTROL_SOCKET: l.env.NATS_CONTROL_SOCKET },
    });
    cleanup.push(async () => void follower.kill());
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await eventually('the follower to print the current state', () => out.includes('recent transitions'));
    await writeFile(l.conf, basicConfig(l, 'max_payload: 3000000'));
    await eventually('the reload transitions', () => /reloading\.confirming[\s\S]*running\.idle/.test(out));
    // The operator's words, not the chart's event names.
    assert.match(out, /running\.settling\s+← config changed: server\.conf$/m);
    assert.match(out, /running\.checking\s+← quiet for 100 ms$/m);
    assert.match(out, /running\.idle\s+← reload confirmed by nats-server$/m);
    assert.doesNotMatch(out, /xstate\./);
    const doc = await inspectJson(l);
    assert.ok(
      doc.history.every((t) => !t.what.startsWith('xstate.')),
      'no xstate. names in the words',
    );
    assert.ok(
      doc.history.some((t) => t.event.startsWith('xstate.')),
      'the raw names stay in --json',
    );
  });

  it('when a socket file is left from a crashed run then it is replaced; when a live supervisor answers on it then a second one exits 2', async () => {
    const l = await makeLayout('socket-stale');
    cleanup.push(() => removeLayout(l));
    await staleSocket(l.env.NATS_CONTROL_SOCKET!);
    await writeFile(l.conf, basicConfig(l));
    const first = SupervisorProcess.start(l);
    cleanup.push(() => first.dispose());
    await first.waitForState('running.idle');
    assert.equal((await inspectJson(l)).state, 'running.idle');
    const second = SupervisorProcess.start(l);
    cleanup.push(() => second.dispose());
    const exit = await second.exited;
    assert.equal(exit.code, 2);
    assert.match(second.stderr.join('\n'), /NATS_CONTROL_SOCKET: another iofog-nats answers on/);
    assert.equal((await inspectJson(l)).state, 'running.idle', 'the first one keeps its socket');
    assert.equal(natsServersUsing(l.root).length, 1, 'the second started no nats-server');
  });

  it('when no supervisor is running then inspect says so and exits non-zero', async () => {
    const l = await makeLayout('inspect-none');
    cleanup.push(() => removeLayout(l));
    const err = await inspect(l).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    assert.ok(err);
    assert.equal(err.code, 1);
    assert.match(err.stderr, /no iofog-nats supervisor answers on .*control\.sock/);
  });

  for (const [what, answer, expected] of [
    // Closed with the command line unread: the client's next read is a reset (what a killed, suspended
    // `inspect --follow` does to the supervisor, the other way round).
    [
      'resets the connection',
      () => createServer({ pauseOnConnect: true }, (s) => setTimeout(() => s.destroy(), 100)),
      /connection to the iofog-nats supervisor on .* was lost \(ECONNRESET\)/,
    ],
    [
      'answers a line that is not JSON',
      () => createServer((s) => s.once('data', () => s.end('hello\n'))),
      /not an iofog-nats supervisor \(not a JSON line: "hello"\)/,
    ],
  ] as [string, () => Server, RegExp][]) {
    it(`when what answers on the socket ${what} then inspect says so in one line and exits 1`, async () => {
      const l = await makeLayout('inspect-reset');
      cleanup.push(() => removeLayout(l));
      const server = answer();
      server.listen(l.env.NATS_CONTROL_SOCKET);
      await once(server, 'listening');
      cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const err = await inspect(l).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      assert.ok(err);
      assert.equal(err.code, 1);
      assert.match(err.stderr, expected);
      assert.equal(err.stderr.trim().split('\n').length, 1, `one line, no stack trace: ${err.stderr}`);
    });
  }
});

describe('status HTTP', () => {
  it('when scraped then /metrics is Prometheus text and its counters move after a reload', async () => {
    const { l, sup, base } = await start('metrics');
    await sup.waitForState('running.idle');
    const before = parseMetrics(await (await fetch(`${base}/metrics`)).text());
    assert.equal(before.get('iofog_nats_state{state="running.idle"}'), 1);
    assert.equal(before.get('iofog_nats_reloads_total{outcome="applied"}') ?? 0, 0);
    const from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    await sup.waitForOutcome({ from });
    await sup.waitForState('running.idle', { from });
    const after = parseMetrics(await (await fetch(`${base}/metrics`)).text());
    assert.equal(after.get('iofog_nats_reloads_total{outcome="applied"}'), 1);
    assert.ok((after.get('iofog_nats_last_reload_timestamp_seconds') ?? 0) > 0);
  });

  it('when nats-server is not running yet then /healthz is 503, and 200 once it is ready and caught up', async () => {
    const { l, sup, base } = await start('healthz', { config: false });
    await sup.waitForState('waitingForConfig.sleeping');
    // The status server starts beside the chart, not before it.
    await sup.waitForLog('the status server', (x) => x.msg === 'status HTTP server listening');
    assert.equal((await fetch(`${base}/healthz`)).status, 503);
    await writeFile(l.conf, basicConfig(l));
    await sup.waitForState('running.idle');
    const body = await eventually('/healthz to answer 200', async () => {
      const res = await fetch(`${base}/healthz`);
      return res.status === 200 && ((await res.json()) as { ready: boolean; caughtUp: boolean; reason: string | null });
    });
    assert.deepEqual([body.ready, body.caughtUp, body.reason], [true, true, null]);
  });

  it('when asked for anything but its routes then it answers 404 and serves no files', async () => {
    const { sup, base } = await start('routes');
    await sup.waitForState('running.idle');
    for (const p of ['/etc/passwd', '/../package.json', '/state/../../etc/passwd', '/src/cli.ts']) {
      const res = await fetch(`${base}${p}`);
      assert.equal(res.status, 404, p);
    }
    const state = (await (await fetch(`${base}/state`)).json()) as Record<string, unknown>;
    assert.equal(state.state, 'running.idle');
    assert.equal((await fetch(`${base}/graph?format=dot`)).headers.get('content-type'), 'text/vnd.graphviz; charset=utf-8');
    assert.equal((await fetch(`${base}/state`, { method: 'POST' })).status, 405);
  });

  it('when a client listens on /events then each transition arrives as a server-sent event', async () => {
    const { l, sup, base } = await start('sse');
    await sup.waitForState('running.idle');
    const ac = new AbortController();
    cleanup.push(async () => ac.abort());
    const res = await fetch(`${base}/events`, { signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString();
      }
    })().catch(() => undefined);
    await eventually('the first state event', () => text.includes('event: state'));
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    const transitions = (): string[] =>
      text
        .split('\n\n')
        .filter((block) => block.startsWith('event: transition\n'))
        .map((block) => (JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { transition: { state: string } }).transition.state);
    await eventually('a transition back to running.idle', () => transitions().includes('running.idle'));
    assert.deepEqual(transitions().slice(0, 2), ['running.settling', 'running.checking']);
    assert.ok(transitions().includes('reloading.confirming'));
    ac.abort();
    await reading;
  });
});

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import { basicConfig, makeLayout, removeLayout } from '../support/layout.js';
import { natsConnect, roundTrip, varz } from '../support/nats.js';
import { isAlive, natsServersUsing } from '../support/process-table.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { perTestCleanup } from '../support/cleanup.js';
import { inspectJson } from '../support/inspect.js';
import { serverBin } from '../support/supervise.js';
import { MAX_LINE_BYTES } from '../../src/nats-server/line-splitter.js';

const cleanup = perTestCleanup();

async function layout(name: string) {
  const l = await makeLayout(name);
  cleanup.push(() => removeLayout(l));
  return l;
}

function supervise(...args: Parameters<typeof SupervisorProcess.start>): SupervisorProcess {
  const sup = SupervisorProcess.start(...args);
  cleanup.push(() => sup.dispose());
  return sup;
}

async function jsRequest(nc: NatsConnection, subject: string, body: unknown = ''): Promise<Record<string, unknown>> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return (await nc.request(subject, payload, { timeout: 5000 })).json<Record<string, unknown>>();
}

describe('lifecycle', () => {
  it("when NATS_LOG_FORMAT is pretty then lines are human-readable, nats-server's included, and no JSON is printed", async () => {
    const l = await layout('pretty');
    await writeFile(l.conf, basicConfig(l));
    const sup = supervise(l, { NATS_LOG_FORMAT: 'pretty', NATS_LOG_LEVEL: 'info' });
    await sup.waitForLog('a pretty line from the supervisor', (x) => x.unparsed === true && /INFO \(iofog-nats\): iofog-nats starting/.test(String(x.msg)));
    await sup.waitForLog("nats-server's own line", (x) => x.unparsed === true && /INFO \(iofog-nats\/\d+\): Server is ready/.test(String(x.msg)));
    assert.deepEqual(
      sup.lines.filter((x) => typeof x === 'object' && typeof x.level === 'number'),
      [],
      'no pino JSON line',
    );
  });

  it('when the config appears only after start then the supervisor waits for it and starts', async () => {
    const l = await layout('late');
    const sup = supervise(l, { NATS_CONFIG_WAIT_SECONDS: '20' });
    await sup.waitForState('waitingForConfig.sleeping');
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1234567'));
    await sup.waitForState('running.idle');
    assert.equal((await varz(l)).max_payload, 1234567);
  });

  it('when nats-server is killed then the supervisor starts it again and it serves', async () => {
    const l = await layout('sigkill');
    await writeFile(l.conf, basicConfig(l));
    const sup = supervise(l);
    await sup.waitForState('running.idle');
    const [pid] = natsServersUsing(l.root);
    assert.ok(pid);
    const from = sup.mark();
    process.kill(pid, 'SIGKILL');
    await sup.waitForState('backingOff', { from });
    await sup.waitForState('running.idle', { from });
    const [next] = natsServersUsing(l.root);
    assert.ok(next && next !== pid);
    const nc = await natsConnect(l);
    cleanup.push(() => nc.close());
    assert.ok(await roundTrip(nc));
  });

  it('when the supervisor gets SIGTERM then it exits 0, leaves no nats-server, and acked JetStream messages survive', async () => {
    const l = await layout('sigterm');
    await writeFile(l.conf, basicConfig(l));
    let sup = supervise(l);
    await sup.waitForState('running.idle');
    let nc = await natsConnect(l);
    const created = await jsRequest(nc, '$JS.API.STREAM.CREATE.ORDERS', { name: 'ORDERS', subjects: ['orders.>'], storage: 'file' });
    assert.equal(created.error, undefined, JSON.stringify(created.error));
    const total = 200;
    for (let i = 0; i < total; i++) {
      const ack = await jsRequest(nc, `orders.${i}`, `order ${i}`);
      assert.equal(ack.seq, i + 1);
    }
    await nc.close();
    const [pid] = natsServersUsing(l.root);
    assert.ok(pid);
    const exit = await sup.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(isAlive(pid), false, 'nats-server is gone');
    assert.deepEqual(natsServersUsing(l.root), []);
    assert.ok(sup.lines.some((x) => x.state === 'stopped' && typeof x.event === 'string'));

    sup = supervise(l);
    await sup.waitForState('running.idle');
    nc = await natsConnect(l);
    cleanup.push(() => nc.close());
    const info = await jsRequest(nc, '$JS.API.STREAM.INFO.ORDERS');
    assert.equal((info.state as { messages: number }).messages, total);
  });

  it('when the supervisor gets SIGINT then it stops nats-server gracefully too', async () => {
    const l = await layout('sigint');
    await writeFile(l.conf, basicConfig(l));
    const sup = supervise(l);
    await sup.waitForState('running.idle');
    const exit = await sup.stop('SIGINT');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(sup.lines.some((x) => x.server === true && /Server Exiting/.test(String(x.msg))));
    assert.deepEqual(natsServersUsing(l.root), []);
  });

  it('when NATS_SERVER_BIN is a wrapper that does not exec nats-server then reloads reach nats-server and a stop leaves nothing behind', async () => {
    const l = await layout('wrapper');
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000'));
    const wrapper = `${l.root}/nats-wrapper.sh`;
    const real = serverBin();
    await writeFile(wrapper, `#!/bin/sh\n"${real}" "$@"\n`, { mode: 0o755 });
    const sup = supervise(l, { NATS_SERVER_BIN: wrapper });
    await sup.waitForState('running.idle');
    const [server] = natsServersUsing(l.root);
    const wrapperPid = (await inspectJson(l)).server.pid!;
    assert.ok(server !== undefined && wrapperPid !== server, 'nats-server runs under the wrapper');
    const from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 2000000);
    assert.deepEqual(natsServersUsing(l.root), [server], 'the same nats-server');
    assert.ok(isAlive(wrapperPid), 'the wrapper survived the SIGHUP');
    const exit = await sup.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(
      sup.lines.some((x) => x.server === true && /Server Exiting/.test(String(x.msg))),
      'nats-server stopped gracefully',
    );
    assert.deepEqual(natsServersUsing(l.root), [], 'no orphan');
  });

  it('when nats-server writes a 4 MiB line then it is forwarded cut at the documented length, and the lines after it whole', async () => {
    const l = await layout('long-line');
    await writeFile(l.conf, basicConfig(l));
    const wrapper = `${l.root}/nats-wrapper.sh`;
    // Not on `nats-server -t` (the validation): only the running server's output is forwarded.
    const longLine = `head -c ${4 * 1024 * 1024} /dev/zero | tr '\\0' x >&2; echo >&2`;
    await writeFile(wrapper, `#!/bin/sh\ncase " $* " in *" -t "*) ;; *) ${longLine} ;; esac\nexec "${serverBin()}" "$@"\n`, { mode: 0o755 });
    const sup = supervise(l, { NATS_SERVER_BIN: wrapper });
    await sup.waitForState('running.idle');
    const cut = sup.lines.find((x) => x.server === true && /\[cut: \d+ bytes\]$/.test(String(x.msg)));
    assert.ok(cut, 'the long line was forwarded, cut');
    assert.equal(String(cut.msg), `${'x'.repeat(MAX_LINE_BYTES)}… [cut: ${4 * 1024 * 1024 - MAX_LINE_BYTES} bytes]`);
    assert.ok(
      sup.lines.some((x) => x.server === true && /Server is ready/.test(String(x.msg))),
      "nats-server's own lines follow whole",
    );
  });

  it('when nats-server ignores SIGTERM past the stop budget then it is killed and the exit code is 1', async () => {
    const l = await layout('stop-budget');
    await writeFile(l.conf, basicConfig(l));
    await writeFile(
      `${l.root}/stubborn.sh`,
      '#!/bin/sh\ntrap "" TERM INT\n[ "$1" = "--version" ] && echo "nats-server: v2.15.1" && exit 0\n[ "$1" = "-t" ] && exit 0\nexec sleep 300\n',
      { mode: 0o755 },
    );
    const sup = supervise(l, { NATS_SERVER_BIN: `${l.root}/stubborn.sh`, NATS_MONITOR_PORT: '0', NATS_STOP_TIMEOUT_SECONDS: '1' });
    // The stub never listens, so the supervisor stays in `starting`; a stop still has to end it.
    await sup.waitForState('starting');
    const exit = await sup.stop('SIGTERM');
    assert.equal(exit.code, 1);
    assert.ok(sup.lines.some((x) => x.state === 'stopping.killing'));
  });

  it('when nats-server exits on its own then the supervisor backs off and starts it again', async () => {
    const l = await layout('crash-once');
    await writeFile(l.conf, basicConfig(l));
    // First start exits 3 at once; later starts run the real server.
    const real = l.env.NATS_SERVER_BIN;
    await writeFile(
      `${l.root}/crash-once.sh`,
      `#!/bin/sh\ncase "$1" in -t|--version) exec ${real} "$@" ;; esac\n` +
        `if [ ! -e ${l.root}/crashed ]; then touch ${l.root}/crashed; exit 3; fi\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const sup = supervise(l, { NATS_SERVER_BIN: `${l.root}/crash-once.sh` });
    await sup.waitForState('backingOff');
    await sup.waitForState('running.idle');
    const crash = sup.lines.find((x) => /exited unexpectedly \(code 3/.test(String(x.msg)));
    assert.ok(crash, 'the crash is logged with its exit code');
  });
});

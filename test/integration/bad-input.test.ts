import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { basicConfig, makeLayout, removeLayout } from '../support/layout.js';
import { natsServersUsing } from '../support/process-table.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { perTestCleanup } from '../support/cleanup.js';

const cleanup = perTestCleanup();

async function runWith(name: string, env: Record<string, string>, config?: string) {
  const l = await makeLayout(name);
  cleanup.push(() => removeLayout(l));
  if (config !== undefined) await writeFile(l.conf, config.replaceAll('PORT', String(l.clientPort)));
  else await writeFile(l.conf, basicConfig(l));
  const sup = SupervisorProcess.start(l, env);
  cleanup.push(() => sup.dispose());
  const exit = await sup.exited;
  return { l, sup, exit, stderr: sup.stderr.join('\n'), logs: sup.lines.map((x) => JSON.stringify(x)).join('\n') };
}

describe('bad input', () => {
  // Every bad value is covered by test/src/settings.test.ts; this one goes through the whole command.
  it('when started with an unknown NATS_SERVER_MODE then it exits 2 naming the variable and starts nothing', async () => {
    const { l, exit, stderr } = await runWith('usage', { NATS_SERVER_MODE: 'hub' });
    assert.equal(exit.code, 2);
    assert.match(stderr, /NATS_SERVER_MODE: unknown value "hub"; use one of: server, leaf/);
    assert.deepEqual(natsServersUsing(l.root), []);
  });

  for (const [what, bin] of [
    ['/bin/true', '/bin/true'],
    ['a script that answers something else', 'SCRIPT'],
  ] as const) {
    it(`when NATS_SERVER_BIN is ${what}, not nats-server, then it exits 2 naming it and starts nothing`, async () => {
      const l0 = await makeLayout('not-nats-bin');
      cleanup.push(() => removeLayout(l0));
      const script = path.join(l0.root, 'fake-server');
      await writeFile(script, '#!/bin/sh\necho "hello 1.2.3"\nsleep 300\n', { mode: 0o755 });
      const { l, exit, stderr } = await runWith('not-nats', { NATS_SERVER_BIN: bin === 'SCRIPT' ? script : bin });
      assert.equal(exit.code, 2);
      assert.match(stderr, /NATS_SERVER_BIN: .* is not nats-server: asked `--version`/);
      assert.deepEqual(natsServersUsing(l.root), []);
    });
  }

  for (const value of ['garbage', '512MB']) {
    it(`when GOMEMLIMIT is ${value}, which Go cannot read, then it exits 2 naming GOMEMLIMIT, not NATS_SERVER_BIN, and starts nothing`, async () => {
      const { l, exit, stderr } = await runWith('gomemlimit', { GOMEMLIMIT: value });
      assert.equal(exit.code, 2);
      assert.match(stderr, new RegExp(`^iofog-nats: GOMEMLIMIT: "${value}" is not a limit Go reads.*512MiB`, 'm'));
      assert.doesNotMatch(stderr, /NATS_SERVER_BIN/);
      assert.deepEqual(natsServersUsing(l.root), []);
    });
  }

  it("when the control socket's directory does not exist then it exits 2 naming NATS_CONTROL_SOCKET and starts nothing", async () => {
    const { l, exit, stderr } = await runWith('socket-dir', { NATS_CONTROL_SOCKET: '/nonexistent-dir/iofog-nats.sock' });
    assert.equal(exit.code, 2);
    assert.match(stderr, /NATS_CONTROL_SOCKET: cannot listen on \/nonexistent-dir\/iofog-nats.sock \((ENOENT|EACCES)\)/);
    assert.deepEqual(natsServersUsing(l.root), []);
  });

  it('when NATS_CONTROL_SOCKET names a directory or a regular file then it exits 2 naming it, starts nothing and deletes nothing', async () => {
    for (const kind of ['directory', 'regular file'] as const) {
      const l = await makeLayout('socket-kind');
      cleanup.push(() => removeLayout(l));
      const where = path.join(l.root, 'not-a-socket');
      if (kind === 'directory') await mkdir(where);
      else await writeFile(where, 'keep me\n');
      await writeFile(l.conf, basicConfig(l));
      const sup = SupervisorProcess.start(l, { NATS_CONTROL_SOCKET: where });
      cleanup.push(() => sup.dispose());
      const exit = await sup.exited;
      assert.equal(exit.code, 2, kind);
      assert.match(sup.stderr.join('\n'), new RegExp(`NATS_CONTROL_SOCKET: ${where} is a ${kind}, not a socket left by a supervisor`));
      assert.deepEqual(natsServersUsing(l.root), []);
      if (kind === 'regular file') assert.equal(await readFile(where, 'utf8'), 'keep me\n');
      else assert.ok((await stat(where)).isDirectory());
    }
  });

  it('when the set waits to be spared and to stop do not fit the grace the platform gives then it exits 2 naming them and the grace', async () => {
    const { l, exit, stderr } = await runWith('grace-overrun', { NATS_LEAVE_TIMEOUT_SECONDS: '60', NATS_STOP_TIMEOUT_SECONDS: '60' });
    assert.equal(exit.code, 2);
    assert.match(
      stderr,
      /NATS_STOP_TIMEOUT_SECONDS: the stop would take up to 60 s \(0 s to be spared \+ 60 s to stop\), more than the 30 s .*NATS_STOP_GRACE_SECONDS/,
    );
    assert.deepEqual(natsServersUsing(l.root), []);
  });

  it("when the config is invalid at start then it exits 78 with nats-server's reason", async () => {
    const { exit, logs } = await runWith('invalid-start', {}, 'listen: 127.0.0.1:PORT\nmax_payloadx: 1\n');
    assert.equal(exit.code, 78);
    assert.match(logs, /unknown field \\"max_payloadx\\"/);
  });

  it('when the config never appears then it exits 78 after NATS_CONFIG_WAIT_SECONDS', async () => {
    const l = await makeLayout('never');
    cleanup.push(() => removeLayout(l));
    const sup = SupervisorProcess.start(l, { NATS_CONFIG_WAIT_SECONDS: '1' });
    cleanup.push(() => sup.dispose());
    const exit = await sup.exited;
    assert.equal(exit.code, 78);
    assert.ok(sup.lines.some((x) => /NATS_CONF\) did not appear/.test(String(x.msg))));
  });

  it('when NATS_SSL_DIR is set alone then it is used with a deprecation warning', async () => {
    const l = await makeLayout('ssl-dir');
    cleanup.push(() => removeLayout(l));
    await writeFile(l.conf, basicConfig(l));
    const env = { ...l.env, NATS_TLS_DIR: '', NATS_SSL_DIR: l.tlsDir };
    const sup = SupervisorProcess.start({ ...l, env });
    cleanup.push(() => sup.dispose());
    await sup.waitForState('running.idle');
    assert.ok(sup.lines.some((x) => /NATS_SSL_DIR is deprecated/.test(String(x.msg))));
    const watching = await sup.waitForLog('watching', (x) => x.msg === 'watching');
    assert.match(JSON.stringify(watching), new RegExp(`"tls","roots":\\["${l.tlsDir}"\\]`));
  });
});

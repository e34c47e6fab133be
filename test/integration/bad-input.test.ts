import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, it } from 'node:test';
import { basicConfig, makeLayout, removeLayout } from '../support/layout.js';
import { natsServersUsing } from '../support/process-table.js';
import { SupervisorProcess } from '../support/supervisor-process.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

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

const usageCases: [string, Record<string, string>, RegExp][] = [
  ['an unknown NATS_SERVER_MODE', { NATS_SERVER_MODE: 'hub' }, /NATS_SERVER_MODE: unknown value "hub"; use one of: server, leaf/],
  ['a non-numeric NATS_MONITOR_PORT', { NATS_MONITOR_PORT: '82x2' }, /NATS_MONITOR_PORT: "82x2" is not a whole number/],
  ['a missing nats-server binary', { NATS_SERVER_BIN: '/nonexistent/nats-server' }, /NATS_SERVER_BIN: nats-server not found or not executable \(tried \/nonexistent\/nats-server\)/],
  ['an unknown NATS_SHUTDOWN', { NATS_SHUTDOWN: 'kill' }, /NATS_SHUTDOWN: unknown value "kill"; use one of: term, lame-duck/],
  ['a bad NATS_CLIENT_URL', { NATS_CLIENT_URL: 'http://x' }, /NATS_CLIENT_URL: "http:\/\/x" is not a nats:\/\/ URL/],
];

describe('bad input', () => {
  for (const [what, env, message] of usageCases) {
    it(`when started with ${what} then it exits 2 naming the variable and starts nothing`, async () => {
      const { l, exit, stderr } = await runWith('usage', env);
      assert.equal(exit.code, 2);
      assert.match(stderr, message);
      assert.deepEqual(natsServersUsing(l.root), []);
    });
  }

  it('when the config is invalid at start then it exits 78 with nats-server\'s reason', async () => {
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
    const watching = sup.lines.find((x) => x.msg === 'watching');
    assert.match(JSON.stringify(watching), new RegExp(`"tls","roots":\\["${l.tlsDir}"\\]`));
  });
});

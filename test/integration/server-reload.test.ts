import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { atomicWriterUpdate, basicConfig, makeLayout, removeLayout, type Layout } from '../support/layout.js';
import { natsConnect, roundTrip, varz } from '../support/nats.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { eventually } from '../support/wait.js';
import { perTestCleanup } from '../support/cleanup.js';
import { validateConfig } from '../../src/nats-server/validate.js';
import { readSettings } from '../../src/settings.js';
import { ServerConfig } from '../../src/config/server-config.js';
import { superviseLayout } from '../support/supervise.js';

const cleanup = perTestCleanup();

async function startServerMode(
  name: string,
  config: (l: Layout) => string = (l) => basicConfig(l, 'max_payload: 1000000'),
  files: Record<string, string> = {},
  more: (l: Layout) => Promise<unknown> = async () => undefined,
) {
  return superviseLayout(cleanup, name, {
    config,
    prepare: async (l) => {
      await Promise.all(Object.entries(files).map(([file, text]) => writeFile(`${l.confDir}/${file}`, text)));
      await more(l);
    },
    env: { SERVER_NAME: `srv-${name}` },
    waitFor: 'running.idle',
  });
}

describe('server mode: reloads', () => {
  after(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('when the config uses an environment placeholder then nats-server resolves it from the environment', async () => {
    const { l } = await startServerMode('placeholder', (l) => basicConfig(l, 'server_name: $SERVER_NAME'));
    assert.equal((await varz(l)).server_name, 'srv-placeholder');
  });

  it('when the config is edited in place then the new value is live without a restart', async () => {
    const { l, sup } = await startServerMode('inplace');
    const pid = (await varz(l)).now;
    const from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'applied');
    assert.equal(outcome.cause, 'config');
    assert.equal((await varz(l)).max_payload, 2000000);
    assert.ok(pid);
    assert.equal(sup.lines.filter((l) => l.state === 'starting').length, 1, 'nats-server was started once');
  });

  it('when the config is rewritten with identical bytes then nothing happens', async () => {
    const { l, sup } = await startServerMode('identical');
    const from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000'));
    // A marker edit to another watched file proves the watcher looked after the identical rewrite.
    await writeFile(`${l.credsDir}/marker.creds`, 'x');
    const outcome = await sup.waitForOutcome({ from });
    assert.deepEqual(
      sup.outcomes(from).map((o) => o.cause),
      ['creds'],
    );
    assert.equal(outcome.outcome, 'applied');
  });

  it('when Kubernetes swaps ..data atomically then the new config is applied', async () => {
    const l = await makeLayout('atomic');
    await atomicWriterUpdate(l.confDir, { 'server.conf': basicConfig(l, 'max_payload: 1000000') }, 1);
    const sup = SupervisorProcess.start(l);
    cleanup.push(
      () => removeLayout(l),
      () => sup.dispose(),
    );
    await sup.waitForState('running.idle');
    for (const size of [3000000, 4000000]) {
      const from = sup.mark();
      await atomicWriterUpdate(l.confDir, { 'server.conf': basicConfig(l, `max_payload: ${size}`) }, size / 1000000);
      const outcome = await sup.waitForOutcome({ from });
      assert.equal(outcome.outcome, 'applied');
      assert.equal((await varz(l)).max_payload, size);
    }
  });

  it('when an included file changes then the config is reloaded', async () => {
    const { l, sup } = await startServerMode('include', (l) => basicConfig(l, 'include ./limits.conf'), {
      'limits.conf': 'max_payload: 1000000\n',
    });
    assert.equal((await varz(l)).max_payload, 1000000);
    const from = sup.mark();
    await writeFile(`${l.confDir}/limits.conf`, 'max_payload: 1500000\n');
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 1500000);
  });

  for (const [form, line] of [
    ['INCLUDE, upper case', 'INCLUDE limits.conf'],
    ['Include "…", quoted', 'Include "limits.conf"'],
    ['an absolute-looking path (joined onto the config dir, as nats-server does)', 'include "/limits.conf"'],
  ] as const) {
    it(`when a file included with ${form} changes then the config is reloaded`, async () => {
      const { l, sup } = await startServerMode('include-form', (l) => basicConfig(l, line), { 'limits.conf': 'max_payload: 1000000\n' });
      const from = sup.mark();
      await writeFile(`${l.confDir}/limits.conf`, 'max_payload: 1500000\n');
      assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
      assert.equal((await varz(l)).max_payload, 1500000);
    });
  }

  it('when an include is a symlink to a file elsewhere and the target is edited in place then the config is reloaded', async () => {
    // Outside every directory the supervisor watches: only the link's target being watched itself sees the edit.
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'iofog-nats-elsewhere-'));
    cleanup.push(() => rm(elsewhere, { recursive: true, force: true }));
    await writeFile(path.join(elsewhere, 'limits.conf'), 'max_payload: 1000000\n');
    const { l, sup } = await startServerMode(
      'include-link',
      (l) => basicConfig(l, 'include ./limits.conf'),
      {},
      (l) => symlink(path.join(elsewhere, 'limits.conf'), path.join(l.confDir, 'limits.conf')),
    );
    const from = sup.mark();
    await writeFile(path.join(elsewhere, 'limits.conf'), 'max_payload: 1500000\n');
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 1500000);
  });

  it('when the edited config is invalid then the server keeps serving, and the next valid edit is applied', async () => {
    const { l, sup } = await startServerMode('invalid');
    const nc = await natsConnect(l);
    cleanup.push(() => nc.close());
    let from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000\nmax_payloadx: 1'));
    const rejected = await sup.waitForOutcome({ from });
    assert.equal(rejected.outcome, 'rejected');
    assert.match(String(rejected.error), /unknown field "max_payloadx"/);
    assert.equal(sup.lines.slice(from).filter((x) => x.msg === 'Reloaded server configuration').length, 0);
    assert.ok(await roundTrip(nc));
    assert.equal(nc.isClosed(), false);
    from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2500000'));
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 2500000);
    assert.ok(await roundTrip(nc));
  });

  it('when nats-server refuses a non-reloadable change then the outcome is rejected with its reason', async () => {
    const { l, sup } = await startServerMode('refused');
    const from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000\nserver_name: renamed'));
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'rejected');
    assert.match(String(outcome.error), /not supported for ServerName/i);
  });

  it('when 50 edits land within a second then at most 3 actions run and the last value is live', async () => {
    const { l, sup } = await startServerMode('storm');
    const from = sup.mark();
    for (let i = 1; i <= 50; i++) {
      await writeFile(l.conf, basicConfig(l, `max_payload: ${1000000 + i}`));
      await new Promise((r) => setTimeout(r, 15));
    }
    await eventually('the last value to be live', async () => (await varz(l)).max_payload === 1000050);
    // nats-server serves the value a moment before the supervisor logs the outcome of that reload.
    await sup.waitForLog('the final outcome, back in running.idle', (x) => x.outcome === 'applied' && x.state === 'running.idle', { from });
    const actions = sup.outcomes(from);
    assert.ok(actions.length >= 1 && actions.length <= 3, `expected 1..3 actions, got ${actions.length}`);
    // An in-place write is not atomic: an action in the middle of the storm may read a half-written file
    // and be rejected; the last one must apply the final contents.
    assert.equal(actions.at(-1)?.outcome, 'applied');
  });

  it('when a watched directory appears only after start then its files are watched', async () => {
    const l = await makeLayout('late-dir');
    await rm(l.credsDir, { recursive: true });
    await writeFile(l.conf, basicConfig(l));
    const sup = SupervisorProcess.start(l);
    cleanup.push(
      () => removeLayout(l),
      () => sup.dispose(),
    );
    await sup.waitForState('running.idle');
    const from = sup.mark();
    await mkdir(path.join(l.credsDir, 'nested'), { recursive: true });
    await writeFile(path.join(l.credsDir, 'nested', 'user.creds'), 'first');
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.cause, 'creds');
    const next = sup.mark();
    await writeFile(path.join(l.credsDir, 'nested', 'user.creds'), 'second');
    assert.equal((await sup.waitForOutcome({ from: next })).cause, 'creds');
  });

  it('when the directory a missing one was awaited in is removed and made again with it then it is still picked up', async () => {
    const l = await makeLayout('late-parent');
    const parent = path.join(l.root, 'platform');
    const credsDir = path.join(parent, 'creds');
    await mkdir(parent);
    await writeFile(l.conf, basicConfig(l));
    const sup = SupervisorProcess.start(l, { NATS_CREDS_DIR: credsDir });
    cleanup.push(
      () => removeLayout(l),
      () => sup.dispose(),
    );
    await sup.waitForState('running.idle');
    await rm(parent, { recursive: true });
    await mkdir(credsDir, { recursive: true });
    const from = sup.mark();
    await writeFile(path.join(credsDir, 'user.creds'), 'first');
    assert.equal((await sup.waitForOutcome({ from })).cause, 'creds');
    assert.equal(sup.hasExited, false);
  });

  it("when NATS_CONF's directory is replaced (copy, remove, rename back) then the new config is applied and later edits are too", async () => {
    const { l, sup } = await startServerMode('conf-dir-replaced');
    const copy = `${l.confDir}.new`;
    await cp(l.confDir, copy, { recursive: true });
    await writeFile(path.join(copy, 'server.conf'), basicConfig(l, 'max_payload: 2000000'));
    let from = sup.mark();
    await rm(l.confDir, { recursive: true });
    await rename(copy, l.confDir);
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 2000000);
    await sup.waitForState('running.idle', { from });
    from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 3000000'));
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied', 'watching resumed');
    assert.equal((await varz(l)).max_payload, 3000000);
  });

  it('when a watched directory is deleted and made again then a file written into it is acted on', async () => {
    const { l, sup } = await startServerMode('dir-recreated');
    await writeFile(path.join(l.credsDir, 'user.creds'), 'first');
    let from = sup.mark();
    assert.equal((await sup.waitForOutcome({ from })).cause, 'creds');
    await sup.waitForState('running.idle', { from });
    await rm(l.credsDir, { recursive: true });
    await mkdir(l.credsDir);
    from = sup.mark();
    await writeFile(path.join(l.credsDir, 'user.creds'), 'second');
    assert.equal((await sup.waitForOutcome({ from })).cause, 'creds');
    await sup.waitForState('running.idle', { from });
    from = sup.mark();
    await writeFile(path.join(l.credsDir, 'user.creds'), 'third');
    assert.equal((await sup.waitForOutcome({ from })).cause, 'creds', 'still watched');
  });

  it('when SIGHUP is sent to the supervisor then it runs a validated reload', async () => {
    const { l, sup } = await startServerMode('sighup');
    await writeFile(`${l.root}/unwatched`, 'x');
    const from = sup.mark();
    process.kill(sup.pid, 'SIGHUP');
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.cause, 'signal');
    assert.equal(outcome.outcome, 'applied');
  });

  for (const mode of ['leaf', 'server'] as const) {
    it(`when a ${mode} logs to a file with monitoring off then the reload is confirmed from that file: applied, no restart`, async () => {
      const logged = (l: Layout, payload: number): string => basicConfig(l, `max_payload: ${payload}\nlog_file: "${l.root}/nats.log"`);
      const { l, sup } = await superviseLayout(cleanup, `log-file-${mode}`, {
        config: (l) => logged(l, 1000000),
        env: { NATS_SERVER_MODE: mode, NATS_MONITOR_PORT: '0' },
        waitFor: 'running.idle',
      });
      const nc = await natsConnect(l);
      cleanup.push(() => nc.close());
      const from = sup.mark();
      await writeFile(l.conf, logged(l, 2000000));
      const outcome = await sup.waitForOutcome({ from });
      assert.equal(outcome.outcome, 'applied', 'confirmed from the log file');
      assert.ok(!sup.lines.slice(from).some((x) => x.outcome === 'restarted'), 'never a restart for a reload nats-server applied');
      // The client was never dropped (natsConnect does not reconnect): it still makes a round trip.
      assert.equal(nc.isClosed(), false);
      assert.ok(await roundTrip(nc));
    });
  }

  it('when nats-server logs to a file then the reload is confirmed from /varz, on 2.11+ by the digest nats-server -t printed', async () => {
    const logged = (l: Layout, payload: number): string => basicConfig(l, `max_payload: ${payload}\nlog_file: "${l.root}/nats.log"`);
    const { l, sup } = await startServerMode('log-file', (l) => logged(l, 1000000));
    const before = await varz(l);
    const from = sup.mark();
    await writeFile(l.conf, logged(l, 2000000));
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'applied', 'confirmed without a log line on stdout');
    const after = await varz(l);
    assert.equal(after.max_payload, 2000000);
    assert.notEqual(after.config_load_time, before.config_load_time);
    const validation = await validateConfig(readSettings({ ...process.env, ...l.env }), new ServerConfig(l.conf));
    if (typeof after.config_digest === 'string') assert.equal(validation.digest, after.config_digest, 'nats-server runs the config it validated');
    else assert.equal(validation.digest, null, 'lines before 2.11 print no digest');
  });
});

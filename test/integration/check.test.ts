import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeLayout, removeLayout, type Layout } from '../support/layout.js';
import { OperatorWorld, putInMount } from '../support/operator.js';
import { natsServersUsing } from '../support/process-table.js';
import { perTestCleanup } from '../support/cleanup.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.ts');
const run = promisify(execFile);
const cleanup = perTestCleanup();

async function check(l: Layout, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI, 'check'], { env: { ...process.env, ...l.env, ...env } });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('iofog-nats check', () => {
  it('when NATS_SERVER_BIN is not nats-server then check exits 2 naming it, as run does; with nats-server it names its version', async () => {
    const l = await makeLayout('check-bin');
    cleanup.push(() => removeLayout(l));
    await writeFile(l.conf, `listen: 127.0.0.1:${l.clientPort}\n`);
    const wrong = await check(l, { NATS_SERVER_BIN: '/bin/true' });
    assert.equal(wrong.code, 2, wrong.out);
    assert.match(wrong.out, /^binary {4}NATS_SERVER_BIN: \/bin\/true is not nats-server: asked `--version`, it said "true \(GNU coreutils\)/m);
    const right = await check(l);
    assert.equal(right.code, 0, right.out);
    assert.match(right.out, /^binary {4}\S+ \(nats-server v\d+\.\d+\.\d+\)$/m);
  });

  it('when GOMEMLIMIT is one Go cannot read then check exits 2 naming GOMEMLIMIT, as run does', async () => {
    const l = await makeLayout('check-gomemlimit');
    cleanup.push(() => removeLayout(l));
    const wrong = await check(l, { GOMEMLIMIT: '512MB' });
    assert.equal(wrong.code, 2);
    assert.match(wrong.out, /GOMEMLIMIT: "512MB" is not a limit Go reads/);
    assert.doesNotMatch(wrong.out, /NATS_SERVER_BIN/);
  });

  it("when the set waits do not fit the grace then check gives run's verdict: exit 2 naming them; else it prints the plan against the grace", async () => {
    const l = await makeLayout('check-budget');
    cleanup.push(() => removeLayout(l));
    await writeFile(l.conf, `listen: 127.0.0.1:${l.clientPort}\ncluster { listen: 127.0.0.1:-1, routes: [] }\n`);
    const short = await check(l, { NATS_LEAVE_TIMEOUT_SECONDS: '60' });
    assert.equal(short.code, 2, short.out);
    assert.match(short.out, /^stop {6}NATS_LEAVE_TIMEOUT_SECONDS: the stop would take up to 71 s \(60 s to be spared \+ 11 s to stop\)/m);
    const fine = await check(l, { GOMEMLIMIT: '300MiB' });
    assert.equal(fine.code, 0, fine.out);
    assert.match(fine.out, /^memory {4}GOMEMLIMIT 300MiB: GOMEMLIMIT=300MiB from the environment$/m);
    const plan = 'lame-duck (a cluster member) within the 30 s grace (NATS_STOP_GRACE_SECONDS): up to 17 s to be spared, lame duck 8 s, SIGINT, ';
    assert.ok(fine.out.includes(`\nstop      ${plan}SIGKILL 3 s later; 2 s to spare\n`), fine.out);
  });

  it('when operator mode is set up then it lists the store, the resolver and exactly what a reconcile would purge, and starts nothing', async () => {
    const l = await makeLayout('check-op');
    cleanup.push(() => removeLayout(l));
    const w = await OperatorWorld.create();
    const [a, gone] = [await w.account('A'), await w.account('GONE')];
    await writeFile(l.conf, w.config(l));
    await w.creds(w.sys, path.join(l.credsDir, 'sys.creds'));
    await putInMount(l, a);
    await mkdir(l.jwtDir, { recursive: true });
    await writeFile(path.join(l.jwtDir, `${a.key}.jwt`), a.jwt);
    for (const dir of [a.key, gone.key, 'APP']) await mkdir(path.join(l.storeDir, 'jetstream', dir, 'streams'), { recursive: true });
    const { code, out } = await check(l, { NATS_SYS_USER_CRED_PATH: 'sys.creds' });
    assert.equal(code, 0, out);
    assert.match(out, /config .*: valid/);
    assert.match(out, new RegExp(`store\\s+${l.storeDir}/jetstream \\(from config\\)`));
    assert.match(out, new RegExp(`system\\s+${w.sys.key}`));
    assert.match(out, /resolver .*: 1 account\(s\)/);
    assert.match(out, new RegExp(`purge\\s+would purge ${gone.key}$`, 'm'));
    assert.match(out, new RegExp(`keeps ${a.key}: still in the resolver`));
    assert.match(out, /keeps APP: not named as an account public key/);
    assert.deepEqual(natsServersUsing(l.root), []);
  });

  it("when a cluster member runs in operator mode then check says a rolling restart needs the lease's creds, and names them once given", async () => {
    const l = await makeLayout('check-lease');
    cleanup.push(() => removeLayout(l));
    const w = await OperatorWorld.create();
    await writeFile(l.conf, w.config(l, { cluster: { name: 'c', port: 16222, routes: [16223] } }));
    const without = await check(l, { NATS_ROLLING_RESTART: 'on' });
    assert.equal(without.code, 0, without.out);
    assert.match(without.out, /^restart {3}no restart lease \(operator mode without NATS_RESTART_LEASE_CREDS\): rolling restarts are off$/m);
    const creds = path.join(l.credsDir, 'lease.creds');
    const given = await check(l, { NATS_ROLLING_RESTART: 'on', NATS_RESTART_LEASE_CREDS: creds });
    assert.match(given.out, new RegExp(`^restart {3}a reload nats-server refuses restarts one member at a time; the lease is taken as ${creds}$`, 'm'));
  });

  it('when the config includes a file and names certificates outside the TLS dir then each is listed as watched', async () => {
    const l = await makeLayout('check-watch');
    cleanup.push(() => removeLayout(l));
    const elsewhere = path.join(l.root, 'elsewhere');
    await writeFile(path.join(l.confDir, 'limits.conf'), 'max_payload: 1000000\n');
    await writeFile(
      l.conf,
      [`listen: 127.0.0.1:${l.clientPort}`, 'include limits.conf', `tls { cert_file: "${elsewhere}/tls.crt", key_file: "${elsewhere}/tls.key" }`].join('\n'),
    );
    const { out } = await check(l);
    assert.match(out, new RegExp(`watch\\s+config\\s+${l.conf}, ${path.join(l.confDir, 'limits.conf')}$`, 'm'));
    assert.match(out, new RegExp(`watch\\s+tls\\s+${l.tlsDir}$`, 'm'));
    assert.match(out, new RegExp(`watch\\s+tls\\s+${elsewhere}/tls.crt \\(missing[^,]*, ${elsewhere}/tls.key \\(missing`, 'm'));
  });

  it('when the config is invalid then it says why and exits 78', async () => {
    const l = await makeLayout('check-bad');
    cleanup.push(() => removeLayout(l));
    await writeFile(l.conf, 'listen: 127.0.0.1:1\nmax_payloadx: 1\n');
    const { code, out } = await check(l);
    assert.equal(code, 78);
    assert.match(out, /INVALID[\s\S]*unknown field "max_payloadx"/);
  });
});

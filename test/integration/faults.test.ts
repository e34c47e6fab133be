import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { perTestCleanup } from '../support/cleanup.js';
import { inspectJson } from '../support/inspect.js';
import { OperatorWorld, putInMount } from '../support/operator.js';
import { eventually } from '../support/wait.js';
import { basicConfig, makeLayout, removeLayout, type Layout } from '../support/layout.js';
import { varz } from '../support/nats.js';
import { freePort } from '../support/ports.js';
import { natsServersUsing } from '../support/process-table.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { serverBin, superviseLayout } from '../support/supervise.js';

// Faults with a defined outcome (README: "Faults"), each against the real nats-server.
const cleanup = perTestCleanup();

const start = (name: string, config?: (l: Layout) => string, env: Record<string, string> = {}) => superviseLayout(cleanup, name, { config, env });

const INSTANCES = '/proc/sys/fs/inotify/max_user_instances';
const canLimitInotify = ((): boolean => {
  try {
    writeFileSync(INSTANCES, readFileSync(INSTANCES, 'utf8'));
    return true;
  } catch {
    return false;
  }
})();

const canMount = process.getuid?.() === 0;

describe('faults', () => {
  for (const limit of ['max_user_instances', 'max_user_watches']) {
    it(
      `when inotify's ${limit} is reached then watching falls back to scanning, one scan a second per source, and changes are applied`,
      { skip: canLimitInotify ? false : 'needs root and a writable /proc/sys (CI has both)' },
      async () => {
        const file = `/proc/sys/fs/inotify/${limit}`;
        const before = readFileSync(file, 'utf8');
        // What is open stays; nothing new can be made, by this supervisor or anyone, until restored.
        writeFileSync(file, '0');
        const restore = (): void => writeFileSync(file, before);
        cleanup.push(restore);
        const { l, sup } = await start('no-inotify');
        try {
          await sup.waitForLog('the fallback named', (x) => /inotify is not available/.test(String(x.msg)), { timeoutMs: 20_000 });
          await sup.waitForLog('watching', (x) => x.msg === 'watching');
        } finally {
          restore();
        }
        await sup.waitForState('running.idle');
        const from = sup.mark();
        await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
        assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
        assert.equal((await varz(l)).max_payload, 2000000);
        // Scanners must not multiply: over 3 s, each source is scanned about three times.
        const window = sup.mark();
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const creds = sup.lines.slice(window).filter((x) => x.msg === 'rescanned' && x.cause === 'creds').length;
        assert.ok(creds >= 2 && creds <= 5, `creds scanned ${creds} times in 3 s`);
        assert.deepEqual(await sup.stop(), { code: 0, signal: null });
      },
    );
  }

  it('when an edit makes the includes a cycle then it is rejected without asking nats-server, briefly, and nats-server keeps serving', async () => {
    const { l, sup } = await start('include-cycle', (l) => basicConfig(l, 'include a.conf'));
    await writeFile(path.join(l.confDir, 'a.conf'), 'max_payload: 1000000\n');
    await sup.waitForState('running.idle');
    const pid = (await varz(l)).now;
    const from = sup.mark();
    const t0 = Date.now();
    await writeFile(path.join(l.confDir, 'a.conf'), 'max_payload: 2000000\ninclude server.conf\n');
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'rejected');
    assert.match(String(outcome.error), /^not validated: include cycle: server\.conf -> a\.conf -> server\.conf/);
    assert.ok(String(outcome.error).length < 500, 'a short reason, no stack dump');
    assert.ok(Date.now() - t0 < 5000, 'nats-server -t did not spin through the cycle');
    assert.ok(pid);
    assert.equal((await varz(l)).max_payload, 1000000, 'still serving the old config');
  });

  it('when an include is replaced by a named pipe then nothing reads it: the reload is rejected naming it, the supervisor answers, a fix applies', async () => {
    const { l, sup } = await start('include-fifo', (l) => basicConfig(l, 'include extra.conf'));
    const extra = path.join(l.confDir, 'extra.conf');
    await writeFile(extra, 'max_payload: 1000000\n');
    await sup.waitForState('running.idle');
    let from = sup.mark();
    await rm(extra);
    execFileSync('mkfifo', [extra]);
    // Unreadable, the pipe is no change by itself (like a file missing for a moment); a reload asked for
    // now must not hand nats-server a config it would block on.
    sup.child.kill('SIGHUP');
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'rejected');
    assert.match(String(outcome.error), /extra\.conf is a named pipe \(FIFO\)/);
    assert.equal((await inspectJson(l)).state, 'running.idle', 'the supervisor answers');
    from = sup.mark();
    await rm(extra);
    await writeFile(extra, 'max_payload: 3000000\n');
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 3000000);
  });

  it('when NATS_CONF is deleted then nothing is signalled and nats-server keeps serving; when it is back changed, it is applied', async () => {
    const { l, sup } = await start('conf-deleted');
    await sup.waitForState('running.idle');
    await rm(l.conf);
    // A marker write proves the watcher looked after the delete.
    let from = sup.mark();
    await writeFile(path.join(l.credsDir, 'marker.creds'), 'x');
    await sup.waitForOutcome({ from });
    assert.deepEqual(
      sup.outcomes(from).map((o) => o.cause),
      ['creds'],
      'the delete itself is no change',
    );
    assert.equal((await varz(l)).max_payload, 1000000);
    await sup.waitForState('running.idle', { from });
    from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 2000000);
  });

  it("when NATS_CONF is replaced by a directory then the change is rejected with nats-server's reason and nats-server keeps serving", async () => {
    const { l, sup } = await start('conf-dir');
    await sup.waitForState('running.idle');
    const from = sup.mark();
    await rm(l.conf);
    await mkdir(l.conf);
    await writeFile(path.join(l.credsDir, 'marker.creds'), 'x');
    const outcome = await sup.waitForOutcome({ from });
    // The directory itself is no change (not a regular file); the next change is validated and refused.
    assert.equal(outcome.outcome, 'rejected');
    assert.match(String(outcome.error), /server\.conf: is a directory/);
    assert.equal((await varz(l)).max_payload, 1000000, 'still serving the old config');
    assert.equal(sup.hasExited, false);
  });

  // None left (the limit below what is open: the file cannot be read), or a few: enough to read the file but not
  // to start `nats-server -t`. Either way nothing may be applied, and nothing may be lost.
  for (const [spare, what] of [
    [-4, 'none left'],
    [3, 'too few to start a process'],
  ] as const)
    it(`when the supervisor is out of file descriptors (${what}) then a change is held, said why, nats-server serves, it applies later`, async () => {
      const { l, sup } = await start(`emfile-${spare}`);
      await sup.waitForState('running.idle');
      await sup.waitForLog('watching', (x) => x.msg === 'watching');
      const open = readdirSync(`/proc/${sup.pid}/fd`).length;
      const [soft, hard] = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync(`/proc/${sup.pid}/limits`, 'utf8'))!.slice(1);
      execFileSync('prlimit', ['--pid', String(sup.pid), `--nofile=${open + spare}:${hard}`]);
      const from = sup.mark();
      await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
      const said = await sup.waitForLog('out of file descriptors, said', (x) => (x.level ?? 0) >= 40 && /EMFILE/.test(JSON.stringify(x)), { from });
      assert.match(JSON.stringify(said), /file descriptors/);
      assert.deepEqual(
        sup.outcomes(from).filter((o) => o.outcome !== 'rejected'),
        [],
        'nothing applied without a verdict',
      );
      assert.equal((await varz(l)).max_payload, 1000000, 'nats-server serves on, untouched');
      assert.equal(sup.hasExited, false);
      execFileSync('prlimit', ['--pid', String(sup.pid), `--nofile=${soft}:${hard}`]);
      // No second edit: the change that could not be read or validated is owed, and applied.
      const applied = await sup.waitForLog('the held change applied', (x) => x.outcome === 'applied', { from, timeoutMs: 20_000 });
      assert.equal(applied.cause, 'config');
      assert.equal((await varz(l)).max_payload, 2000000);
      assert.equal(sup.hasExited, false);
    });

  it(
    "when the resolver dir's disk is full during a mirror then no temp file is left, JWTs stay behind, and the mirror is retried until space returns",
    { skip: canMount ? false : 'needs root to mount a small tmpfs (CI has it)' },
    async () => {
      const w = await OperatorWorld.create();
      const accounts = await Promise.all(Array.from({ length: 12 }, (_, i) => w.account(`A${i}`)));
      const { l, sup } = await start('disk-full');
      await sup.waitForState('running.idle');
      await sup.waitForLog('watching', (x) => x.msg === 'watching');
      // The resolver dir on a 64 KiB tmpfs, all but one block of it taken.
      await mkdir(l.jwtDir, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', l.jwtDir]);
      cleanup.push(() => execFileSync('umount', ['-l', l.jwtDir]));
      const filler = path.join(l.jwtDir, 'filler');
      execFileSync('sh', ['-c', `dd if=/dev/zero of=${filler} bs=4k count=15 2>/dev/null || true`]);
      const from = sup.mark();
      await putInMount(l, ...accounts);
      await sup.waitForLog('the mirror failing', (x) => /JWT mirror failed: .*ENOSPC/.test(String(x.msg)), { from });
      assert.deepEqual(
        readdirSync(l.jwtDir).filter((f) => f.endsWith('.tmp')),
        [],
        'no temp file left',
      );
      for (const f of readdirSync(l.jwtDir).filter((f) => f.endsWith('.jwt')))
        assert.ok(readFileSync(path.join(l.jwtDir, f), 'utf8').startsWith('ey'), `${f} whole`);
      assert.equal((await inspectJson(l)).drift.causes.find((c) => c.cause === 'jwt')?.inStep, false, 'the JWTs are behind');
      await rm(filler);
      await sup.waitForLog('a retry that works', (x) => x.msg === 'reconcile finished', { from, timeoutMs: 20_000 });
      assert.deepEqual(
        readdirSync(l.jwtDir)
          .filter((f) => f.endsWith('.jwt'))
          .sort(),
        accounts.map((a) => `${a.key}.jwt`).sort(),
      );
      await eventually('in step again', async () => (await inspectJson(l)).drift.causes.find((c) => c.cause === 'jwt')?.inStep === true);
    },
  );

  it('when nats-server hangs (SIGSTOP) then a reload gives up in time, /healthz stays 200, /state says slow, then the next change applies', async () => {
    const statusPort = await freePort();
    const { l, sup } = await start('hung', undefined, { NATS_STATUS_ADDR: `127.0.0.1:${statusPort}` });
    await sup.waitForState('running.idle');
    const status = (p: string) => fetch(`http://127.0.0.1:${statusPort}${p}`);
    await eventually('/healthz 200 before the hang', async () => (await status('/healthz')).status === 200, 30_000);
    const [server] = natsServersUsing(l.root);
    process.kill(server!, 'SIGSTOP');
    cleanup.push(() => {
      try {
        process.kill(server!, 'SIGCONT');
      } catch {
        /* gone */
      }
    });
    let from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    const outcome = await sup.waitForOutcome({ from, timeoutMs: 20_000 });
    assert.equal(outcome.outcome, 'rejected');
    assert.match(String(outcome.error), /did not confirm the reload in time/);
    // Slow is shown, never acted on: no 503 on a question nats-server did not answer (docs/faults.md).
    await eventually(
      '/state says nats-server is slow',
      async () => /slow, not down/.test(String(((await (await status('/state')).json()) as { server: { slow: string | null } }).server.slow)),
      10_000,
    );
    assert.equal((await status('/healthz')).status, 200);
    assert.equal(sup.hasExited, false);
    process.kill(server!, 'SIGCONT');
    await sup.waitForState('running.idle', { from });
    from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 3000000'));
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
    assert.equal((await varz(l)).max_payload, 3000000);
    assert.deepEqual(natsServersUsing(l.root), [server], 'the same process throughout');
  });

  it('when the binary disappears while running then changes are rejected naming it, a crash backs off until it is back, then it serves again', async () => {
    const l0 = await makeLayout('bin-gone-bin');
    cleanup.push(() => removeLayout(l0));
    const bin = path.join(l0.root, 'nats-server');
    await copyFile(serverBin(), bin);
    await chmod(bin, 0o755);
    const { l, sup } = await start('bin-gone', undefined, { NATS_SERVER_BIN: bin });
    await sup.waitForState('running.idle');
    await rename(bin, `${bin}.away`);
    let from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'rejected');
    assert.match(String(outcome.error), /ENOENT|not found|no such file/i);
    assert.equal((await varz(l)).max_payload, 1000000, 'still serving');
    from = sup.mark();
    for (const pid of natsServersUsing(l.root)) process.kill(pid, 'SIGKILL');
    await sup.waitForState('backingOff', { from });
    await sup.waitForState('backingOff', { from: sup.mark() });
    assert.equal(sup.hasExited, false);
    await rename(`${bin}.away`, bin);
    await sup.waitForState('running.idle', { from, timeoutMs: 20_000 });
    assert.equal((await varz(l)).max_payload, 2000000, 'the new start read the edited config');
  });

  it('when another process holds the client port at start then nats-server backs off and starts once the port is free', async () => {
    const l = await makeLayout('port-taken');
    cleanup.push(() => removeLayout(l));
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000'));
    const squatter = createServer();
    squatter.listen(l.clientPort, '127.0.0.1');
    await once(squatter, 'listening');
    const sup = SupervisorProcess.start(l);
    cleanup.push(() => sup.dispose());
    await sup.waitForState('backingOff', { timeoutMs: 20_000 });
    assert.ok(
      sup.lines.some((x) => x.server === true && /address already in use/i.test(String(x.msg))),
      'nats-server said why',
    );
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await sup.waitForState('running.idle', { timeoutMs: 30_000 });
    assert.equal((await varz(l)).max_payload, 1000000);
  });

  it("when an edit includes a file that does not exist then it is rejected with nats-server's reason, and creating the file applies it", async () => {
    const { l, sup } = await start('missing-include');
    await sup.waitForState('running.idle');
    let from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'include later.conf'));
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'rejected');
    assert.match(String(outcome.error), /later\.conf/);
    await sup.waitForState('running.idle', { from });
    from = sup.mark();
    await writeFile(path.join(l.confDir, 'later.conf'), 'max_payload: 2000000\n');
    assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied', 'the include is watched before it exists');
    assert.equal((await varz(l)).max_payload, 2000000);
  });

  it('when another process holds the monitoring port at start then nats-server backs off and starts once it is free', async () => {
    const l = await makeLayout('monitor-taken');
    cleanup.push(() => removeLayout(l));
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000'));
    // It accepts and never answers, like a hung process would.
    const held = new Set<Socket>();
    const squatter = createServer((s) => held.add(s));
    squatter.listen(l.monitorPort, '0.0.0.0');
    await once(squatter, 'listening');
    const sup = SupervisorProcess.start(l);
    cleanup.push(() => sup.dispose());
    await sup.waitForState('backingOff', { timeoutMs: 20_000 });
    // The connections it accepted stay open and silent until the test ends.
    squatter.close();
    cleanup.push(() => held.forEach((s) => s.destroy()));
    await sup.waitForState('running.idle', { timeoutMs: 30_000 });
    assert.equal((await varz(l)).max_payload, 1000000);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSettings, SettingsError } from '../../src/settings.js';

// The environment is the supervisor's whole input surface: every bad value names its variable (the CLI then
// exits 2; test/integration/bad-input.test.ts keeps one case end to end).
const read = (env: Record<string, string>) => readSettings({ NATS_SERVER_BIN: process.execPath, ...env });

function rejects(env: Record<string, string>, variable: string, message: RegExp): void {
  assert.throws(
    () => read(env),
    (err: unknown) => {
      assert.ok(err instanceof SettingsError);
      assert.equal(err.variable, variable);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('the settings reader', () => {
  it("when nothing is set then every value is the contract's default", () => {
    const s = readSettings({}, { requireBinary: false });
    assert.equal(s.confPath, '/etc/nats/config/server.conf');
    assert.equal(s.confDir, '/etc/nats/config');
    assert.equal(s.tlsDir, '/etc/nats/certs');
    assert.equal(s.jwtDir, '/home/runner/nats/jwt');
    assert.equal(s.jwtMountDir, '/tmp/nats/jwt');
    assert.equal(s.serverBin, '/home/runner/bin/nats-server');
    assert.equal(s.mode, 'server');
    assert.equal(s.monitorPort, 8222);
    assert.equal(s.clientUrl, 'nats://127.0.0.1:4222');
    assert.equal(s.controlSocket, '/tmp/iofog-nats.sock');
    assert.equal(s.statusAddr, '127.0.0.1:8223');
    assert.equal(s.debounceMs, 100);
    // Unset: the stop plan derives them from the grace and the config (a cluster member stops through lame duck).
    assert.equal(s.stopGraceSeconds, 30);
    assert.equal(s.stopTimeoutSeconds, null);
    assert.equal(s.shutdown, null);
    assert.equal(s.leaveTimeoutSeconds, null);
    assert.equal(s.purge, 'on');
    assert.equal(s.sysUserCredPath, null);
    assert.equal(s.goMemLimitPercent, 80);
  });

  it('when NATS_GOMEMLIMIT_PERCENT is off then no share is given to nats-server', () => {
    assert.equal(readSettings({ NATS_GOMEMLIMIT_PERCENT: 'off' }, { requireBinary: false }).goMemLimitPercent, null);
    assert.equal(readSettings({ NATS_GOMEMLIMIT_PERCENT: '60' }, { requireBinary: false }).goMemLimitPercent, 60);
  });

  const bad: [string, Record<string, string>, string, RegExp][] = [
    ['an unknown NATS_SERVER_MODE', { NATS_SERVER_MODE: 'hub' }, 'NATS_SERVER_MODE', /unknown value "hub"; use one of: server, leaf/],
    ['a non-numeric NATS_MONITOR_PORT', { NATS_MONITOR_PORT: '82x2' }, 'NATS_MONITOR_PORT', /"82x2" is not a whole number/],
    ['a port out of range', { NATS_MONITOR_PORT: '70000' }, 'NATS_MONITOR_PORT', /from 0 to 65535/],
    [
      'a missing nats-server binary',
      { NATS_SERVER_BIN: '/nonexistent/nats-server' },
      'NATS_SERVER_BIN',
      /not found or not executable \(tried \/nonexistent\/nats-server\)/,
    ],
    ['an unknown NATS_SHUTDOWN', { NATS_SHUTDOWN: 'kill' }, 'NATS_SHUTDOWN', /unknown value "kill"; use one of: term, lame-duck/],
    ['a bad NATS_CLIENT_URL', { NATS_CLIENT_URL: 'http://x' }, 'NATS_CLIENT_URL', /"http:\/\/x" is not a nats:\/\/ URL/],
    ['a bad NATS_STATUS_ADDR', { NATS_STATUS_ADDR: 'everywhere' }, 'NATS_STATUS_ADDR', /is not host:port/],
    [
      'a control socket path too long for a unix socket',
      { NATS_CONTROL_SOCKET: `/tmp/${'x'.repeat(110)}.sock` },
      'NATS_CONTROL_SOCKET',
      /bytes; a unix socket path has at most 107/,
    ],
    ['a GOMEMLIMIT share over the whole limit', { NATS_GOMEMLIMIT_PERCENT: '120' }, 'NATS_GOMEMLIMIT_PERCENT', /from 10 to 100/],
    ['a GOMEMLIMIT in units Go does not read', { GOMEMLIMIT: '512MB' }, 'GOMEMLIMIT', /"512MB" is not a limit Go reads.*512MiB/],
    ['a zero stop budget', { NATS_STOP_TIMEOUT_SECONDS: '0' }, 'NATS_STOP_TIMEOUT_SECONDS', /from 1 to/],
    ['a grace too short to stop in', { NATS_STOP_GRACE_SECONDS: '3' }, 'NATS_STOP_GRACE_SECONDS', /from 5 to/],
  ];
  for (const [what, env, variable, message] of bad) {
    it(`when given ${what} then it refuses, naming ${variable}`, () => rejects(env, variable, message));
  }

  it("when relative paths are given then creds resolve under NATS_CREDS_DIR and the store dir against the config's dir", () => {
    const s = read({ NATS_CONF: '/cfg/server.conf', NATS_CREDS_DIR: '/creds', NATS_SYS_USER_CRED_PATH: 'sys.creds', NATS_JETSTREAM_STORE_DIR: 'data' });
    assert.equal(s.sysUserCredPath, '/creds/sys.creds');
    assert.equal(s.jetstreamStoreDir, '/cfg/data');
  });

  it('when only NATS_SSL_DIR is set then it is used with a deprecation warning; NATS_TLS_DIR wins when both are', () => {
    const alone = read({ NATS_SSL_DIR: '/ssl' });
    assert.equal(alone.tlsDir, '/ssl');
    assert.match(alone.warnings.join('\n'), /NATS_SSL_DIR is deprecated/);
    assert.equal(read({ NATS_SSL_DIR: '/ssl', NATS_TLS_DIR: '/tls' }).tlsDir, '/tls');
  });

  it('when NATS_STATUS_ADDR is off then there is no status server', () => {
    assert.equal(read({ NATS_STATUS_ADDR: 'off' }).statusAddr, null);
  });
});

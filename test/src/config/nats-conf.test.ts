import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { confGet, ConfError, ConfHazard, parseConfFile } from '../../../src/config/nats-conf.js';
import { confDirs } from '../../support/conf-dir.js';

const confDir = confDirs('conf');

async function parse(text: string, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = await confDir(text, files);
  return { dir, ...parseConfFile(path.join(dir, 'server.conf'), env) };
}

describe('nats-server config format', () => {
  it('when a config mixes separators, comments and types then each value is read as nats-server reads it', async () => {
    const { config } = await parse(`
# comment
port: 4222          // another comment
http = 8222
server_name nats-1
debug: true
trace = off
max_payload: 1MB
max_pending: 64K
ping_interval: "2m"
listen: 0.0.0.0:4222
`);
    assert.deepEqual(config, {
      port: 4222,
      http: 8222,
      server_name: 'nats-1',
      debug: true,
      trace: false,
      max_payload: 1024 * 1024,
      max_pending: 64_000,
      ping_interval: '2m',
      listen: '0.0.0.0:4222',
    });
  });

  it('when blocks and arrays nest (cluster, accounts, authorization) then the structure is kept', async () => {
    const { config } = await parse(`
cluster {
  name: c1
  listen: 0.0.0.0:6222
  routes = [
    nats-route://a:6222
    nats-route://b:6222, nats-route://c:6222
  ]
}
accounts: {
  APP: { jetstream: enabled, users: [ {user: app, password: "s3cr3t"} ] }
  SYS { users = [ { user: sys, password: sys } ] }
}
system_account: SYS
authorization { timeout: 2 }
`);
    assert.deepEqual(confGet(config, 'cluster', 'routes'), ['nats-route://a:6222', 'nats-route://b:6222', 'nats-route://c:6222']);
    assert.equal(confGet(config, 'accounts', 'APP', 'jetstream'), 'enabled');
    assert.deepEqual(confGet(config, 'accounts', 'SYS', 'users'), [{ user: 'sys', password: 'sys' }]);
    assert.equal(confGet(config, 'SYSTEM_ACCOUNT'), 'SYS');
    assert.equal(confGet(config, 'authorization', 'timeout'), 2);
  });

  it('when values reference variables then config variables in scope win over the environment', async () => {
    const { config } = await parse(
      `
PORT: 4333
port: $PORT
server_name: $SERVER_NAME
leafnodes { HUB: "nats://hub:7422", remotes = [ { url: $HUB } ] }
`,
      {},
      { SERVER_NAME: 'from-env', PORT: '1' },
    );
    assert.equal(config.port, 4333);
    assert.equal(config.server_name, 'from-env');
    assert.deepEqual(confGet(config, 'leafnodes', 'remotes'), [{ url: 'nats://hub:7422' }]);
  });

  it('when files are included then their keys are merged and the includes listed, relative to the including file', async () => {
    const { dir, config, includes } = await parse('include ./accounts.conf\ninclude "tls.conf"\njetstream { store_dir: "./data" }\n', {
      'accounts.conf': 'accounts { A: {} }\n',
      'tls.conf': 'tls { cert_file: "/certs/tls.crt", key_file: /certs/tls.key }\n',
    });
    assert.deepEqual(includes, [path.join(dir, 'accounts.conf'), path.join(dir, 'tls.conf')]);
    assert.deepEqual(confGet(config, 'accounts'), { A: {} });
    assert.equal(confGet(config, 'tls', 'key_file'), '/certs/tls.key');
    assert.equal(confGet(config, 'jetstream', 'store_dir'), './data');
  });

  it('when the operator-mode resolver is configured then its block reads back', async () => {
    const { config } = await parse(
      'operator: eyJ0.eyJ1.sig\nresolver: { type: full, dir: "/jwt", allow_delete: true, interval: "2m" }\nresolver_preload: { ABC: eyJ0.eyJ2.sig }\n',
    );
    assert.deepEqual(confGet(config, 'resolver'), { type: 'full', dir: '/jwt', allow_delete: true, interval: '2m' });
    assert.equal(confGet(config, 'resolver_preload', 'ABC'), 'eyJ0.eyJ2.sig');
  });

  for (const [what, text, message] of [
    ['an unknown variable', 'port: $NOPE\n', /variable reference for 'NOPE'/],
    ['an unterminated block', 'cluster {\n  name: x\n', /expected '}'/],
    ['an unterminated string', 'server_name: "abc\n', /unterminated string/],
    ['a missing include', 'include ./missing.conf\n', /error opening include file/],
  ] as const) {
    it(`when the config has ${what} then the error names the file and line`, async () => {
      await assert.rejects(parse(text), (err: unknown) => err instanceof ConfError && message.test(err.message) && /server\.conf:\d+/.test(err.message));
    });
  }

  it('when includes form a cycle then it is a hazard naming the cycle, not a stack overflow', async () => {
    await assert.rejects(
      parse('include a.conf\n', { 'a.conf': 'include b.conf\n', 'b.conf': 'port: 1\ninclude a.conf\n' }),
      (err: unknown) => err instanceof ConfHazard && /include cycle: a\.conf -> b\.conf -> a\.conf \(.*b\.conf:2\)/.test(err.message),
    );
  });

  it('when a file includes itself then that is a cycle too', async () => {
    await assert.rejects(
      parse('port: 1\ninclude server.conf\n'),
      (err: unknown) => err instanceof ConfHazard && /server\.conf -> server\.conf/.test(err.message),
    );
  });

  it('when an include is a named pipe then it is refused without being read (a read would block for good)', async () => {
    const dir = await confDir('include pipe.conf\n');
    execFileSync('mkfifo', [path.join(dir, 'pipe.conf')]);
    assert.throws(
      () => parseConfFile(path.join(dir, 'server.conf')),
      (err: unknown) => err instanceof ConfHazard && /pipe\.conf is a named pipe \(FIFO\)/.test(err.message),
    );
  });

  it('when the same file is included twice, not in a cycle, then both are read', async () => {
    const { config } = await parse('a { include x.conf }\nb { include x.conf }\n', { 'x.conf': 'v: 1\n' });
    assert.deepEqual(config, { a: { v: 1 }, b: { v: 1 } });
  });
});

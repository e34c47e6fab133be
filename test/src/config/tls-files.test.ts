import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ServerConfig } from '../../../src/config/server-config.js';

const tlsFiles = async (conf: string, env: Record<string, string> = {}) => (await new ServerConfig(conf, env).facts()).tlsFiles;

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-tlsfiles-'));
  await mkdir(path.join(dir, 'conf'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('TLS files named by the config', () => {
  it('when tls blocks appear at every level then each cert, key and CA file is found, relative to the config', async () => {
    const conf = path.join(dir, 'conf', 'server.conf');
    await writeFile(path.join(dir, 'conf', 'leaf.conf'), 'leafnodes { remotes: [ { url: "tls://hub:7422", tls: { ca_file: $HUB_CA } } ] }\n');
    await writeFile(
      conf,
      [
        'SERVER_CERT: "/etc/pki/server.crt"',
        'tls {\n  cert_file: $SERVER_CERT\n  key_file = ./server.key\n}',
        'cluster { name: c, tls { cert_file: /etc/cluster/tls.crt, key_file: /etc/cluster/tls.key, ca_file: /etc/cluster/ca.crt } }',
        'websocket { port: 8080, TLS { CERT_FILE: "ws.crt", KEY_FILE: "ws.key" } }',
        'include leaf.conf',
        '# tls { cert_file: /commented/out.crt }',
        'authorization { user: a, password: b }',
      ].join('\n'),
    );
    const found = await tlsFiles(conf, { HUB_CA: '/etc/hub/ca.pem' });
    assert.deepEqual(
      found,
      [
        '/etc/cluster/ca.crt',
        '/etc/cluster/tls.crt',
        '/etc/cluster/tls.key',
        '/etc/hub/ca.pem',
        '/etc/pki/server.crt',
        path.join(dir, 'conf', 'server.key'),
        path.join(dir, 'conf', 'ws.crt'),
        path.join(dir, 'conf', 'ws.key'),
      ].sort(),
    );
  });

  it('when the config does not parse then no file is named', async () => {
    const conf = path.join(dir, 'conf', 'broken.conf');
    await writeFile(conf, 'tls { cert_file: "/etc/a.crt"\n');
    assert.deepEqual(await tlsFiles(conf), []);
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { configFiles } from '../../../src/config/includes.js';
import { ConfHazard, parseConfFile } from '../../../src/config/nats-conf.js';
import { confDirs } from '../../support/conf-dir.js';

const confDir = confDirs('includes');

describe('the files a config includes, as nats-server finds them', () => {
  it('when the keyword is in any case, after a brace or a semicolon, quoted or not, then each file is found and parsed', async () => {
    const files = { 'a.conf': 'port: 1\n', 'b b.conf': 'http: 2\n', 'c.conf': 'users: []\n', 'd.conf': 'debug: true\n' };
    const dir = await confDir('INCLUDE a.conf\nInclude "b b.conf"\naccounts { A { include \'c.conf\' } }\nserver_name: x; include d.conf\n', files);
    const conf = path.join(dir, 'server.conf');
    assert.deepEqual((await configFiles(conf)).sort(), [conf, ...Object.keys(files).map((f) => path.join(dir, f))].sort());
    const { config } = parseConfFile(conf);
    assert.equal(config.port, 1);
    assert.equal(config.http, 2);
    assert.equal(config.debug, true);
  });

  it("when an include path is absolute then it is joined onto the including file's directory, as nats-server opens it", async () => {
    const dir = await confDir('include "/sub/a.conf"\n');
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'sub', 'a.conf'), 'port: 7\n');
    const conf = path.join(dir, 'server.conf');
    assert.deepEqual(await configFiles(conf), [conf, path.join(dir, 'sub', 'a.conf')]);
    assert.equal(parseConfFile(conf).config.port, 7);
  });

  it('when a cycle is written with INCLUDE then it is still a cycle, named without asking nats-server', async () => {
    const dir = await confDir('INCLUDE a.conf\n', { 'a.conf': 'Include server.conf\n' });
    assert.throws(
      () => parseConfFile(path.join(dir, 'server.conf')),
      (err: unknown) => err instanceof ConfHazard && /include cycle/.test(err.message),
    );
  });

  it('when an include is a symlink to a file elsewhere then its target is watched too; a link within its directory adds nothing', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'iofog-nats-elsewhere-'));
    after(() => rm(elsewhere, { recursive: true, force: true }));
    await writeFile(path.join(elsewhere, 'limits.conf'), 'max_payload: 1000\n');
    const dir = await confDir('include limits.conf\ninclude local.conf\n', { 'real-local.conf': 'debug: true\n' });
    await symlink(path.join(elsewhere, 'limits.conf'), path.join(dir, 'limits.conf'));
    await symlink('real-local.conf', path.join(dir, 'local.conf'));
    const conf = path.join(dir, 'server.conf');
    const files = await configFiles(conf);
    assert.ok(files.includes(path.join(elsewhere, 'limits.conf')), 'the target elsewhere is watched');
    assert.ok(!files.includes(path.join(dir, 'real-local.conf')), 'a link within its directory is watched as the link');
  });
});

describe('the include scan of a config that does not parse', () => {
  it('when 150 000 blank lines come before the error then the includes after them are still found', async () => {
    const dir = await confDir(`port: 1\n${'\n'.repeat(150_000)}include a.conf\nbroken {\n`, { 'a.conf': 'http: 2\n' });
    const conf = path.join(dir, 'server.conf');
    assert.deepEqual(await configFiles(conf), [conf, path.join(dir, 'a.conf')]);
  });
});

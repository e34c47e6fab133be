import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ServerConfig } from '../../../src/config/server-config.js';
import { serverFacts } from '../../../src/nats-server/server-facts.js';
import { readSettings } from '../../../src/settings.js';
import { confDirs } from '../../support/conf-dir.js';

const confDir = confDirs('facts');

async function factsFor(config: string, files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = await confDir(config, files);
  const settings = readSettings({ NATS_CONF: path.join(dir, 'server.conf'), NATS_MONITOR_PORT: '0', ...env }, { requireBinary: false });
  return { dir, facts: await serverFacts(settings, new ServerConfig(settings.confPath)) };
}

const SYS = `A${'S'.repeat(55)}`;

describe('server facts from the config (monitoring off)', () => {
  const cases: [string, string, Record<string, string>, (dir: string) => string][] = [
    ['an inline jetstream block', 'jetstream { store_dir: "/data/js" }\n', {}, () => '/data/js/jetstream'],
    ['a multi-line block with =', 'jetstream {\n  max_mem: 1G\n  store_dir = /srv/nats\n}\n', {}, () => '/srv/nats/jetstream'],
    ['storedir, relative to the config', 'jetstream { storedir: "./state" }\n', {}, (d) => path.join(d, 'state', 'jetstream')],
    ['an included file', 'include ./js.conf\n', { 'js.conf': "jetstream { store_dir: '/inc/js' }\n" }, () => '/inc/js/jetstream'],
  ];
  for (const [what, config, files, expected] of cases) {
    it(`when store_dir is in ${what} then the store is found there`, async () => {
      const { dir, facts } = await factsFor(config, files);
      assert.equal(facts.jetstreamDir, expected(dir));
      assert.equal(facts.storeSource, 'config');
    });
  }

  it('when NATS_JETSTREAM_STORE_DIR is set then it wins over the default, relative to the config', async () => {
    const { dir, facts } = await factsFor('jetstream: enabled\n', {}, { NATS_JETSTREAM_STORE_DIR: 'js' });
    assert.equal(facts.jetstreamDir, path.join(dir, 'js', 'jetstream'));
    assert.equal(facts.storeSource, 'env');
  });

  it("when nothing names a store then it is nats-server's default under the temp dir", async () => {
    const { facts } = await factsFor('jetstream: enabled\n');
    assert.equal(facts.jetstreamDir, path.join(tmpdir(), 'nats', 'jetstream'));
    assert.equal(facts.storeSource, 'default');
  });

  it('when the config cannot be read then the store is unknown, which blocks every purge', async () => {
    const { facts } = await factsFor('jetstream {\n  store_dir: /x\n');
    assert.equal(facts.jetstreamDir, null);
    assert.match(facts.storeSource, /^unknown \(.*expected '}'/);
  });

  it('when system_account is set, quoted or not, then it is read', async () => {
    assert.equal((await factsFor(`system_account: "${SYS}"\n`)).facts.systemAccount, SYS);
    assert.equal((await factsFor(`system_account = ${SYS}\n`)).facts.systemAccount, SYS);
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LinkResolver } from '../../../src/operator/link-resolver.js';
import { atomicWriterUpdate } from '../../support/layout.js';

let root: string;
let mount: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'iofog-nats-links-'));
  mount = path.join(root, 'mount');
  await mkdir(path.join(root, 'outside', 'deep'), { recursive: true });
  await mkdir(mount);
  await writeFile(path.join(root, 'outside', 'secret'), 's');
  await writeFile(path.join(root, 'outside', 'deep', 'file'), 'd');
  await atomicWriterUpdate(mount, { 'a.jwt': 'a', 'b.jwt': 'b' }, 1);
  await writeFile(path.join(mount, 'plain.jwt'), 'p');
  await symlink(path.join(root, 'outside', 'secret'), path.join(mount, 'absolute-out.jwt'));
  await symlink('../outside/secret', path.join(mount, 'dotdot-out.jwt'));
  await symlink(path.join(root, 'outside', 'deep'), path.join(mount, 'dirlink'));
  await symlink('dirlink/file', path.join(mount, 'through-dirlink.jwt'));
  await symlink('dirlink/../secret', path.join(mount, 'dotdot-through-dirlink.jwt'));
  await symlink('a.jwt', path.join(mount, 'chain.jwt'));
  await symlink('missing', path.join(mount, 'dangling.jwt'));
  await symlink('loop2.jwt', path.join(mount, 'loop1.jwt'));
  await symlink('loop1.jwt', path.join(mount, 'loop2.jwt'));
});
after(() => rm(root, { recursive: true, force: true }));

describe('LinkResolver', () => {
  for (const name of [
    'a.jwt',
    'b.jwt',
    'plain.jwt',
    'absolute-out.jwt',
    'dotdot-out.jwt',
    'through-dirlink.jwt',
    'dotdot-through-dirlink.jwt',
    'chain.jwt',
    'dangling.jwt',
    'loop1.jwt',
  ]) {
    it(`when asked for ${name} then it answers what realpath(3) answers`, async () => {
      const expected = await realpath(path.join(mount, name)).catch(() => null);
      assert.equal(new LinkResolver().resolve(path.join(mount, name)), expected);
    });
  }

  for (const name of ['a.jwt', 'plain.jwt', 'absolute-out.jwt', 'dotdot-out.jwt', 'through-dirlink.jwt']) {
    it(`when ${name} is located in one hop then it is where realpath(3) says`, async () => {
      assert.equal(new LinkResolver().locate(path.join(mount, name)), await realpath(path.join(mount, name)));
    });
  }

  it('when an entry links to a link then one hop stops at that link, for the caller to resolve fully', async () => {
    assert.equal(new LinkResolver().locate(path.join(mount, 'chain.jwt')), path.join(await realpath(mount), 'a.jwt'));
  });

  it('when a link leads out through a linked directory then the real path is outside the mount', async () => {
    const real = new LinkResolver().resolve(path.join(mount, 'through-dirlink.jwt'));
    assert.equal(real, path.join(await realpath(root), 'outside', 'deep', 'file'));
  });
});

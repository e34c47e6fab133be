import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashFile } from '../../../src/watch/hash.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-hash-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('hashing what is watched', () => {
  for (const [what, size] of [
    ['a small file (one read)', 1000],
    ['a file just over the 64 KiB buffer', 64 * 1024 + 1],
    ['a file of many buffers (streamed)', 3 * 1024 * 1024 + 7],
  ] as const) {
    it(`when ${what} is hashed then it is its sha256`, async () => {
      const bytes = randomBytes(size);
      const file = path.join(dir, `f${size}`);
      await writeFile(file, bytes);
      assert.equal(hashFile(file), sha256(bytes));
    });
  }

  it('when an empty file, a directory or nothing is hashed then an empty file has a hash and the others none', async () => {
    await writeFile(path.join(dir, 'empty'), '');
    assert.equal(hashFile(path.join(dir, 'empty')), sha256(Buffer.alloc(0)));
    assert.equal(hashFile(dir), null);
    assert.equal(hashFile(path.join(dir, 'missing')), null);
  });
});

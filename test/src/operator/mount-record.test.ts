import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MOUNT_RECORD_FILE, MountRecord } from '../../../src/operator/mount-record.js';

const KEY = `A${'B'.repeat(55)}`;
const OTHER = `A${'C'.repeat(55)}`;
let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-record-'));
  file = path.join(dir, MOUNT_RECORD_FILE);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const FORMS: [string, () => Promise<unknown>, RegExp][] = [
  ['a directory', () => mkdir(file), /is a directory/],
  ['garbage around a key', () => writeFile(file, `junk\n${KEY}\n\u0000\n`), /2 line\(s\) that are not account public keys/],
  ['over 16 MiB', () => writeFile(file, Buffer.alloc(16 * 1024 * 1024 + 1, 'A')), /is over 16 MiB/],
  ['a FIFO', async () => execFileSync('mkfifo', [file]), /cannot be read \(not a regular file/],
  ['a link to /dev/zero', () => symlink('/dev/zero', file), /cannot be read \(not a regular file/],
];

describe("the mirror's record of the mount's accounts", () => {
  for (const [form, make, says] of FORMS) {
    it(`when it is ${form} then it is read at once, said once, and holds only keys it names whole`, async () => {
      await make();
      const record = new MountRecord(dir);
      assert.equal(record.has(KEY), form === 'garbage around a key');
      assert.match(record.news() ?? '', says);
      assert.equal(record.news(), undefined, 'said once');
    });
  }

  it('when it cannot be written then the fault is said, and once a write works it is said to be written again', async () => {
    await mkdir(file);
    const record = new MountRecord(dir);
    record.add([KEY]);
    record.save();
    assert.match(record.news() ?? '', /is a directory.*cannot be written \(EISDIR|cannot be written/s);
    record.save();
    assert.equal(record.news(), undefined);
    await rmdir(file);
    record.save();
    assert.equal(record.news(), null);
    assert.equal((await readFile(file, 'utf8')).trim(), KEY);
  });

  it('when it is deleted by hand then the next save writes it again, though nothing changed', async () => {
    const record = new MountRecord(dir);
    record.add([KEY, OTHER]);
    record.save();
    await rm(file);
    record.save();
    assert.ok(existsSync(file));
    assert.deepEqual((await readFile(file, 'utf8')).trim().split('\n'), [KEY, OTHER].sort());
  });
});

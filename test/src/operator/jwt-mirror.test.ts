import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { encodeAccount, encodeOperator } from '@nats-io/jwt';
import { createAccount, createOperator, type KeyPair } from '@nats-io/nkeys';
import { JwtMirror } from '../../../src/operator/jwt-mirror.js';
import { MOUNT_RECORD_FILE } from '../../../src/operator/mount-record.js';
import { snapshotDir } from '../../../src/watch/hash.js';
import { atomicWriterUpdate } from '../../support/layout.js';

let root: string;
let mount: string;
let jwtDir: string;
const operator = createOperator();

type Account = { key: string; jwt: string; kp: KeyPair };
async function account(name: string, limits: Record<string, number> = {}, kp: KeyPair = createAccount()): Promise<Account> {
  const jwt = await encodeAccount(name, kp, { limits: { conn: -1, ...limits } as never }, { signer: operator });
  return { key: kp.getPublicKey(), jwt, kp };
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'iofog-nats-mirror-'));
  mount = path.join(root, 'mount');
  jwtDir = path.join(root, 'jwt');
  await mkdir(mount);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const mirrorOf = (systemAccount: string | null = null) => new JwtMirror({ mountDir: mount, jwtDir, systemAccount: async () => systemAccount });
const mirrorJwts = (opts: { systemAccount: () => Promise<string | null> }) => new JwtMirror({ mountDir: mount, jwtDir, ...opts }).sync();

/** The JWTs a dir holds (the resolver dir also holds the mirror's record of the mount's accounts). */
const files = async (d: string) => (await readdir(d).catch(() => [])).filter((f) => f.endsWith('.jwt')).sort();

describe('JWT mirror', () => {
  it('when the mount has account JWTs then they are copied and those that left it removed, the system account kept', async () => {
    const [a, b, sys, old] = await Promise.all([account('A'), account('B'), account('SYS'), account('OLD')]);
    await writeFile(path.join(mount, `${old.key}.jwt`), old.jwt);
    const mirror = mirrorOf(sys.key);
    await mirror.sync();
    await rm(path.join(mount, `${old.key}.jwt`));
    await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
    await writeFile(path.join(mount, `${b.key}.jwt`), b.jwt);
    await writeFile(path.join(jwtDir, `${sys.key}.jwt`), sys.jwt);
    const report = await mirror.sync();
    assert.deepEqual(report.copied.sort(), [a.key, b.key].sort());
    assert.deepEqual(report.removed, [old.key]);
    assert.deepEqual(await files(jwtDir), [`${a.key}.jwt`, `${b.key}.jwt`, `${sys.key}.jwt`].sort());
    assert.equal(await readFile(path.join(jwtDir, `${a.key}.jwt`), 'utf8'), a.jwt);
  });

  it('when the resolver dir holds an account the mount never held (pushed another way) then it stays, reported once', async () => {
    // ... and it goes only once the mount has held it and let it go.
    const [a, pushed] = await Promise.all([account('A'), account('PUSHED')]);
    await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
    await mkdir(jwtDir);
    await writeFile(path.join(jwtDir, `${pushed.key}.jwt`), pushed.jwt);
    const first = await mirrorOf().sync();
    assert.deepEqual([first.removed, first.foreign], [[], [pushed.key]]);
    // A later supervisor (a restart) reads the record: the pushed account is still not the mount's.
    const later = mirrorOf();
    const b = await account('B');
    await writeFile(path.join(mount, `${b.key}.jwt`), b.jwt);
    assert.deepEqual((await later.sync()).removed, []);
    assert.deepEqual((await later.sync()).foreign, [], 'reported once');
    assert.deepEqual(await files(jwtDir), [`${a.key}.jwt`, `${b.key}.jwt`, `${pushed.key}.jwt`].sort());
    // The mount takes it over, then lets it go: now it was the mount's, and it is removed.
    await writeFile(path.join(mount, `${pushed.key}.jwt`), pushed.jwt);
    await later.sync();
    await rm(path.join(mount, `${pushed.key}.jwt`));
    assert.deepEqual((await mirrorOf().sync()).removed, [pushed.key]);
  });

  it('when a restarted supervisor finds an account gone from the mount that an earlier one mirrored then it is removed', async () => {
    const [a, b] = await Promise.all([account('A'), account('B')]);
    await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
    await writeFile(path.join(mount, `${b.key}.jwt`), b.jwt);
    await mirrorOf().sync();
    assert.deepEqual((await readFile(path.join(jwtDir, MOUNT_RECORD_FILE), 'utf8')).trim().split('\n'), [a.key, b.key].sort());
    await rm(path.join(mount, `${b.key}.jwt`));
    const report = await mirrorOf().sync();
    assert.deepEqual([report.removed, report.foreign], [[b.key], []]);
    assert.deepEqual((await readFile(path.join(jwtDir, MOUNT_RECORD_FILE), 'utf8')).trim().split('\n'), [a.key]);
  });

  it('when nothing changed then nothing is written', async () => {
    const a = await account('A');
    await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
    await mirrorJwts({ systemAccount: async () => null });
    const again = await mirrorJwts({ systemAccount: async () => null });
    assert.deepEqual([again.copied, again.removed], [[], []]);
    const mirror = mirrorOf();
    await mirror.sync(await snapshotDir(mount));
    const third = await mirror.sync(await snapshotDir(mount));
    assert.deepEqual([third.copied, third.removed], [[], []]);
  });

  it('when one account of many changes then only it is written, and an unchanged bad entry is not reported again', async () => {
    const accounts = await Promise.all(['A', 'B', 'C', 'D'].map((n) => account(n)));
    let version = 1;
    const project = (list: Account[]) =>
      atomicWriterUpdate(mount, { ...Object.fromEntries(list.map((a) => [`${a.key}.jwt`, a.jwt])), 'bad.jwt': 'x' }, version++);
    await project(accounts);
    const mirror = mirrorOf();
    const first = await mirror.sync(await snapshotDir(mount));
    assert.equal(first.copied.length, 4);
    assert.deepEqual(
      first.skipped.map((s) => s.name),
      ['bad.jwt'],
    );
    const changed = [accounts[0]!, await account('B', { conn: 1 }, accounts[1]!.kp), accounts[2]!, accounts[3]!];
    await project(changed);
    const second = await mirror.sync(await snapshotDir(mount));
    assert.deepEqual([second.copied, second.removed, second.skipped], [[accounts[1]!.key], [], []]);
    assert.equal(await readFile(path.join(jwtDir, `${accounts[1]!.key}.jwt`), 'utf8'), changed[1]!.jwt);
    assert.equal(mirror.accounts().size, 4);
    await project([accounts[0]!]);
    const third = await mirror.sync(await snapshotDir(mount));
    assert.deepEqual(
      third.removed.sort(),
      accounts
        .slice(1)
        .map((a) => a.key)
        .sort(),
    );
    assert.deepEqual([...mirror.accounts().keys()], [accounts[0]!.key]);
  });

  for (const [what, prepare, warned] of [
    ['missing', () => rm(mount, { recursive: true }), false],
    ['empty', async () => undefined, false],
    ['holding only garbage', () => writeFile(path.join(mount, `A${'B'.repeat(55)}.jwt`), 'not a jwt'), true],
  ] as const) {
    it(`when the mount is ${what} then the resolver dir is left exactly as it is`, async () => {
      const old = await account('OLD');
      await mkdir(jwtDir);
      await writeFile(path.join(jwtDir, `${old.key}.jwt`), old.jwt);
      await prepare();
      const report = await mirrorJwts({ systemAccount: async () => null });
      assert.deepEqual(report.removed, []);
      assert.deepEqual(await files(jwtDir), [`${old.key}.jwt`]);
      // Missing or empty is the normal state outside operator mode: said, not warned about as a skip.
      assert.equal(report.skipped.length > 0, warned);
      assert.equal(report.empty !== undefined, !warned);
    });
  }

  it('when a mount that held accounts is emptied then the resolver dir is left as it is, and that is warned about as a skip', async () => {
    const a = await account('A');
    await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
    const mirror = mirrorOf();
    await mirror.sync();
    await rm(path.join(mount, `${a.key}.jwt`));
    const report = await mirror.sync();
    assert.deepEqual([report.removed, await files(jwtDir)], [[], [`${a.key}.jwt`]]);
    assert.match(report.skipped[0]?.reason ?? '', /the mount holds no account JWT: the resolver dir is left as it is/);
  });

  it('when entries are garbage, misnamed, of another type or link out of the mount then each is skipped with a reason', async () => {
    const good = await account('GOOD');
    const other = await account('OTHER');
    const outside = path.join(root, 'outside.jwt');
    await writeFile(outside, other.jwt);
    const opJwt = await encodeOperator('OP', operator);
    await writeFile(path.join(mount, `${good.key}.jwt`), good.jwt);
    await writeFile(path.join(mount, 'not-a-key.jwt'), good.jwt);
    await writeFile(path.join(mount, `A${'C'.repeat(55)}.jwt`), 'garbage');
    await writeFile(path.join(mount, `A${'D'.repeat(55)}.jwt`), opJwt);
    await writeFile(path.join(mount, `A${'E'.repeat(55)}.jwt`), other.jwt);
    await symlink(outside, path.join(mount, `${other.key}.jwt`));
    const report = await mirrorJwts({ systemAccount: async () => null });
    assert.deepEqual(report.copied, [good.key]);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.name.slice(0, 12), s.reason]));
    assert.match(reasons['not-a-key.jw'] ?? '', /not an account public key/);
    assert.match(reasons[`A${'C'.repeat(11)}`] ?? '', /not a JWT/);
    assert.match(reasons[`A${'D'.repeat(11)}`] ?? '', /type "operator"/);
    assert.match(reasons[`A${'E'.repeat(11)}`] ?? '', /does not match the file name/);
    assert.match(reasons[other.key.slice(0, 12)] ?? '', /links outside the mount/);
    assert.deepEqual(await files(jwtDir), [`${good.key}.jwt`]);
  });

  for (const [what, bytes] of [
    ['half written (its first bytes only)', (jwt: string, _other: string) => jwt.slice(0, 40)],
    ['garbage', () => 'garbage'],
    ['empty', () => ''],
    ["another account's JWT", (_jwt: string, other: string) => other],
  ] as const) {
    it(`when a mirrored account's file in the mount is ${what} then its resolver copy stays and it is skipped with a reason`, async () => {
      const [a, b, other] = await Promise.all([account('A'), account('B'), account('OTHER')]);
      await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
      await writeFile(path.join(mount, `${b.key}.jwt`), b.jwt);
      const mirror = mirrorOf();
      await mirror.sync();
      await writeFile(path.join(mount, `${a.key}.jwt`), bytes(a.jwt, other.jwt));
      const report = await mirror.sync();
      assert.deepEqual(report.removed, []);
      assert.deepEqual(report.copied, []);
      assert.equal(await readFile(path.join(jwtDir, `${a.key}.jwt`), 'utf8'), a.jwt);
      assert.ok(report.skipped.some((s) => s.name === `${a.key}.jwt`));
      await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
      const healed = await mirror.sync();
      assert.deepEqual([healed.copied, healed.removed], [[], []]);
    });
  }

  it('when an account leaves the mount then it is removed from the resolver dir', async () => {
    const [a, b] = await Promise.all([account('A'), account('B')]);
    await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
    await writeFile(path.join(mount, `${b.key}.jwt`), b.jwt);
    const mirror = mirrorOf();
    await mirror.sync();
    await rm(path.join(mount, `${a.key}.jwt`));
    assert.deepEqual((await mirror.sync()).removed, [a.key]);
  });

  it('when a sync has read the mount then it tells the hashes of what it read, as the watcher takes them', async () => {
    const [a, b] = await Promise.all([account('A'), account('B')]);
    await atomicWriterUpdate(mount, { [`${a.key}.jwt`]: a.jwt, [`${b.key}.jwt`]: b.jwt }, 1);
    const mirror = mirrorOf();
    await mirror.sync();
    assert.deepEqual([...mirror.lastReadHashes()].sort(), [...(await snapshotDir(mount))].sort());
  });

  it('when someone removes a mirrored file from the resolver dir then the next sync writes it again', async () => {
    const [a, b] = await Promise.all([account('A'), account('B')]);
    await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
    await writeFile(path.join(mount, `${b.key}.jwt`), b.jwt);
    const mirror = mirrorOf();
    const hashes = await snapshotDir(mount);
    await mirror.sync(hashes);
    await rm(path.join(jwtDir, `${a.key}.jwt`));
    const again = await mirror.sync(hashes);
    assert.deepEqual(again.copied, [a.key]);
    assert.equal(await readFile(path.join(jwtDir, `${a.key}.jwt`), 'utf8'), a.jwt);
  });

  it('when an entry links through another link then it is followed while it stays in the mount', async () => {
    const [inner, outer] = await Promise.all([account('IN'), account('OUT')]);
    await mkdir(path.join(mount, 'real'));
    await writeFile(path.join(mount, 'real', 'in.jwt'), inner.jwt);
    await symlink('real/in.jwt', path.join(mount, 'hop-in'));
    await symlink('hop-in', path.join(mount, `${inner.key}.jwt`));
    await writeFile(path.join(root, 'out.jwt'), outer.jwt);
    await symlink(path.join(root, 'out.jwt'), path.join(mount, 'hop-out'));
    await symlink('hop-out', path.join(mount, `${outer.key}.jwt`));
    const report = await mirrorJwts({ systemAccount: async () => null });
    assert.deepEqual(report.copied, [inner.key]);
    assert.match(report.skipped.find((x) => x.name === `${outer.key}.jwt`)?.reason ?? '', /links outside the mount/);
    assert.equal(await readFile(path.join(jwtDir, `${inner.key}.jwt`), 'utf8'), inner.jwt);
  });

  it('when the mount uses the Kubernetes ..data layout then the linked files are mirrored', async () => {
    const a = await account('A');
    await atomicWriterUpdate(mount, { [`${a.key}.jwt`]: a.jwt }, 1);
    const report = await mirrorJwts({ systemAccount: async () => null });
    assert.deepEqual(report.copied, [a.key]);
    assert.deepEqual(report.skipped, []);
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { encodeAccount, encodeOperator } from '@nats-io/jwt';
import { createAccount, createOperator } from '@nats-io/nkeys';
import { mirrorJwts } from '../../../src/operator/jwt-mirror.js';
import { atomicWriterUpdate } from '../../support/layout.js';

let root: string;
let mount: string;
let jwtDir: string;
const operator = createOperator();

async function account(name: string, limits: Record<string, number> = {}): Promise<{ key: string; jwt: string }> {
  const kp = createAccount();
  const jwt = await encodeAccount(name, kp, { limits: { conn: -1, ...limits } as never }, { signer: operator });
  return { key: kp.getPublicKey(), jwt };
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'iofog-nats-mirror-'));
  mount = path.join(root, 'mount');
  jwtDir = path.join(root, 'jwt');
  await mkdir(mount);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const files = async (d: string) => (await readdir(d).catch(() => [])).sort();

describe('JWT mirror', () => {
  it('when the mount has account JWTs then they are copied and orphans removed, the system account kept', async () => {
    const [a, b, sys, orphan] = await Promise.all([account('A'), account('B'), account('SYS'), account('OLD')]);
    await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
    await writeFile(path.join(mount, `${b.key}.jwt`), b.jwt);
    await mkdir(jwtDir);
    await writeFile(path.join(jwtDir, `${orphan.key}.jwt`), orphan.jwt);
    await writeFile(path.join(jwtDir, `${sys.key}.jwt`), sys.jwt);
    const report = await mirrorJwts({ mountDir: mount, jwtDir, systemAccount: async () => sys.key });
    assert.deepEqual(report.copied.sort(), [a.key, b.key].sort());
    assert.deepEqual(report.removed, [orphan.key]);
    assert.deepEqual(await files(jwtDir), [`${a.key}.jwt`, `${b.key}.jwt`, `${sys.key}.jwt`].sort());
    assert.equal(await readFile(path.join(jwtDir, `${a.key}.jwt`), 'utf8'), a.jwt);
  });

  it('when nothing changed then nothing is written', async () => {
    const a = await account('A');
    await writeFile(path.join(mount, `${a.key}.jwt`), a.jwt);
    await mirrorJwts({ mountDir: mount, jwtDir, systemAccount: async () => null });
    const again = await mirrorJwts({ mountDir: mount, jwtDir, systemAccount: async () => null });
    assert.deepEqual([again.copied, again.removed], [[], []]);
  });

  for (const [what, prepare] of [
    ['missing', () => rm(mount, { recursive: true })],
    ['empty', async () => undefined],
    ['holding only garbage', () => writeFile(path.join(mount, `A${'B'.repeat(55)}.jwt`), 'not a jwt')],
  ] as const) {
    it(`when the mount is ${what} then the resolver dir is left exactly as it is`, async () => {
      const old = await account('OLD');
      await mkdir(jwtDir);
      await writeFile(path.join(jwtDir, `${old.key}.jwt`), old.jwt);
      await prepare();
      const report = await mirrorJwts({ mountDir: mount, jwtDir, systemAccount: async () => null });
      assert.deepEqual(report.removed, []);
      assert.deepEqual(await files(jwtDir), [`${old.key}.jwt`]);
      assert.ok(report.skipped.length > 0);
    });
  }

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
    const report = await mirrorJwts({ mountDir: mount, jwtDir, systemAccount: async () => null });
    assert.deepEqual(report.copied, [good.key]);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.name.slice(0, 12), s.reason]));
    assert.match(reasons['not-a-key.jw'] ?? '', /not an account public key/);
    assert.match(reasons[`A${'C'.repeat(11)}`] ?? '', /not a JWT/);
    assert.match(reasons[`A${'D'.repeat(11)}`] ?? '', /type "operator"/);
    assert.match(reasons[`A${'E'.repeat(11)}`] ?? '', /does not match the file name/);
    assert.match(reasons[other.key.slice(0, 12)] ?? '', /links outside the mount/);
    assert.deepEqual(await files(jwtDir), [`${good.key}.jwt`]);
  });

  it('when the mount uses the Kubernetes ..data layout then the linked files are mirrored', async () => {
    const a = await account('A');
    await atomicWriterUpdate(mount, { [`${a.key}.jwt`]: a.jwt }, 1);
    const report = await mirrorJwts({ mountDir: mount, jwtDir, systemAccount: async () => null });
    assert.deepEqual(report.copied, [a.key]);
    assert.deepEqual(report.skipped, []);
  });
});

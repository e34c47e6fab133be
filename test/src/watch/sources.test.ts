import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { snapshotDir } from '../../../src/watch/hash.js';
import { WatchedSource } from '../../../src/watch/sources.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-sources-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const jwtSource = () => new WatchedSource({ cause: 'jwt', kind: 'dir', dir, baselineFromAction: (name) => name.endsWith('.jwt') });

describe('a watched source whose baseline comes from its first action', () => {
  it('when the action read what is there then nothing shows as changed, and a later write does', async () => {
    await writeFile(path.join(dir, 'a.jwt'), 'a1');
    await writeFile(path.join(dir, 'README'), 'r');
    const source = jwtSource();
    await source.start();
    assert.deepEqual([...source.appliedSnapshot().keys()], [path.join(dir, 'README')], 'the JWTs wait for the action');
    source.adoptBaseline(await snapshotDir(dir, 8, (name) => !name.endsWith('.jwt')));
    assert.deepEqual(await source.rescan(), []);
    assert.equal(await source.takeForAction(), false);
    await writeFile(path.join(dir, 'a.jwt'), 'a2');
    assert.deepEqual(await source.rescan(), [path.join(dir, 'a.jwt')]);
    assert.equal(await source.takeForAction(), true);
  });

  it('when an entry changed after the action read it then the first scan after adopting reports it', async () => {
    await writeFile(path.join(dir, 'a.jwt'), 'a1');
    const source = jwtSource();
    await source.start();
    const read = await snapshotDir(dir);
    await writeFile(path.join(dir, 'a.jwt'), 'a2');
    assert.deepEqual(await source.rescan(), [], 'before adopting, the JWTs are not compared');
    source.adoptBaseline(read);
    assert.deepEqual(await source.rescan(), [path.join(dir, 'a.jwt')]);
  });

  it('when no action read anything then adopting nothing makes every JWT a change', async () => {
    await writeFile(path.join(dir, 'a.jwt'), 'a1');
    const source = jwtSource();
    await source.start();
    source.adoptBaseline(new Map());
    assert.deepEqual(await source.rescan(), [path.join(dir, 'a.jwt')]);
  });
});

describe('a watched source against what nats-server runs', () => {
  const fileSource = (file: string) => new WatchedSource({ cause: 'config', kind: 'files', list: async () => [file] });

  it('when an edit is taken but not confirmed then it stays behind; reverting it is no change and in step', async () => {
    const file = path.join(dir, 'server.conf');
    await writeFile(file, 'one');
    const source = fileSource(file);
    await source.start();
    assert.deepEqual(source.drift(), { paths: [], since: null, misread: [] });
    await writeFile(file, 'two');
    await source.rescan();
    const behind = source.drift();
    assert.deepEqual(behind.paths, [file]);
    assert.ok(behind.since !== null);
    assert.equal(await source.takeForAction(), true);
    assert.deepEqual(source.drift().paths, [file], 'taken is not running: the reload may still be rejected');
    await writeFile(file, 'one');
    await source.rescan();
    assert.deepEqual(source.drift(), { paths: [], since: null, misread: [] }, 'the revert is what runs');
    assert.equal(await source.takeForAction(), false, 'nothing to apply');
  });

  it('when a reload of what was taken is confirmed then it runs; a spawn runs what it read once ready', async () => {
    const file = path.join(dir, 'server.conf');
    await writeFile(file, 'one');
    const source = fileSource(file);
    await source.start();
    await writeFile(file, 'two');
    assert.equal(await source.takeForAction(), true);
    source.markRunning('taken');
    assert.deepEqual(source.drift().paths, []);
    source.noteSpawn();
    await writeFile(file, 'three');
    await source.rescan();
    source.markRunning('atSpawn');
    assert.deepEqual(source.drift().paths, [file], 'written after the spawn: not what the new process read');
  });

  it('when an action could not read a JWT as what it should be then that path stays behind, saying why, until it reads', async () => {
    const a = path.join(dir, 'a.jwt');
    const b = path.join(dir, 'b.jwt');
    await writeFile(a, 'a1');
    await writeFile(b, 'b1');
    const source = jwtSource();
    await source.start();
    source.adoptBaseline(await snapshotDir(dir));
    await writeFile(a, 'a2');
    await writeFile(b, 'half');
    await source.rescan();
    assert.equal(await source.takeForAction(), true);
    source.markRunning('taken', new Map([[b, 'it is not a JWT']]));
    assert.deepEqual(source.drift().paths, [b], 'a runs; b runs what it ran before');
    assert.deepEqual(source.drift().misread, [{ path: b, reason: 'it is not a JWT' }]);
    await writeFile(b, 'b2');
    await source.rescan();
    assert.equal(await source.takeForAction(), true);
    source.markRunning('taken');
    assert.deepEqual(source.drift(), { paths: [], since: null, misread: [] });
  });

  it('when a new JWT is misread from the start then it is behind (nothing ran it)', async () => {
    const c = path.join(dir, 'c.jwt');
    await writeFile(c, 'garbage');
    const source = jwtSource();
    await source.start();
    source.adoptBaseline(await snapshotDir(dir), new Map([[c, 'it is not a JWT']]));
    assert.deepEqual(source.drift().paths, [c]);
  });
});

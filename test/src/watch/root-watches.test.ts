import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { RootWatches } from '../../../src/watch/root-watches.js';
import { sigchldToOtherThreads } from '../../support/thread-signal.js';
import { eventually } from '../../support/wait.js';

let dir: string;
let watches: RootWatches;
let seen: { root: string; immediate: boolean }[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-roots-'));
  seen = [];
  watches = new RootWatches(
    {
      changed: async (root, immediate) => void seen.push({ root, immediate }),
      singleFilesIn: () => new Set(['server.conf']),
    },
    pino({ level: 'silent' }),
  );
});
afterEach(async () => {
  await watches.stop();
  await rm(dir, { recursive: true, force: true });
});

const lookedAt = (root: string, from = 0) => eventually(`a look at ${root}`, () => seen.slice(from).some((s) => s.root === root), 10_000);

/** Writes `name` in `root` until a write is followed by a look at `root` (the watch may take a moment to be on). */
const writesSeen = (what: string, root: string, name: string) =>
  eventually(
    what,
    async () => {
      const from = seen.length;
      await writeFile(path.join(root, name), String(Date.now()));
      return eventually('a look', () => seen.slice(from).some((s) => s.root === root), 500).catch(() => false);
    },
    10_000,
  );

describe('the watches of the mounted directories', () => {
  it('when a file in a watched directory is written then the directory is looked at', async () => {
    await watches.ensure([dir]);
    await writeFile(path.join(dir, 'server.conf'), 'a');
    await lookedAt(dir);
  });

  it('when a signal interrupts the native watcher thread (its subscription ends with an error) then the directory is watched afresh', async () => {
    // Not a single watched file: only @parcel/watcher's subscription reports it, not the quick watch.
    await watches.ensure([dir]);
    await sigchldToOtherThreads();
    await eventually('the error to be handled', () => seen.length > 0, 5000);
    await writesSeen('a write after the error to be seen', dir, 'ca.pem');
  });

  it('when a watched directory does not exist yet then it is looked at once it appears, and watched from then on', async () => {
    const later = path.join(dir, 'later', 'config');
    await watches.ensure([later]);
    assert.deepEqual(seen, []);
    await mkdir(later, { recursive: true });
    await lookedAt(later);
    const from = seen.length;
    await writeFile(path.join(later, 'server.conf'), 'b');
    await lookedAt(later, from);
  });

  it('when a watched directory is removed and made again then what is written in the new one is seen', async () => {
    const root = path.join(dir, 'certs');
    await mkdir(root);
    await watches.ensure([root]);
    await rm(root, { recursive: true });
    await mkdir(root);
    await writesSeen('the new directory to be watched', root, 'server.conf');
  });
});

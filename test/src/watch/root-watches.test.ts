import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { execa } from 'execa';
import pino from 'pino';
import { RootWatches } from '../../../src/watch/root-watches.js';
import { eventually } from '../../support/wait.js';

const SIGNALLED_CHILD = fileURLToPath(new URL('../../support/signalled-watch-child.ts', import.meta.url));
const ROUNDS = 12;

/** The first CPU this process may run on (a cpuset need not hold CPU 0). */
const firstCpu = (): string => /Cpus_allowed_list:\s*(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';

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

  it('when signals interrupt the native watcher thread round after round on a busy CPU then it is watched afresh each time and never freezes', async () => {
    // In a child, so a frozen main thread is a failed test rather than a hung run: it ignores SIGTERM, hence
    // SIGKILL. One core shared with a spinning process is where the freeze showed (without the pause, 2 of 3
    // runs froze here, at rounds 4 and 5).
    const cpu = firstCpu();
    const hog = execa('taskset', ['-c', cpu, process.execPath, '-e', 'for(;;){}'], { reject: false });
    try {
      const child = await execa('taskset', ['-c', cpu, process.execPath, '--import', 'tsx', SIGNALLED_CHILD, String(ROUNDS)], {
        reject: false,
        timeout: 60_000,
        killSignal: 'SIGKILL',
      });
      const done = child.stdout.split('\n').filter((l) => l.startsWith('round ')).length;
      assert.equal(done, ROUNDS, `rounds done before the child ${child.timedOut ? 'froze' : 'ended'}: ${done}\n${child.stderr.slice(-2000)}`);
      assert.equal(child.exitCode, 0, child.stderr.slice(-2000));
    } finally {
      hog.kill('SIGKILL');
    }
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

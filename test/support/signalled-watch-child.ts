/**
 * Run as a child by the root-watches tests: watches one directory, then, round after round, sends SIGCHLD to
 * every thread but the main one (the watcher's subscription ends with an error) and writes until the write is
 * seen again. Prints `round N` after each; a frozen main thread prints nothing more.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { RootWatches } from '../../src/watch/root-watches.js';
import { sigchldToOtherThreads } from './thread-signal.js';
import { eventually } from './wait.js';

const rounds = Number(process.argv[2] ?? 10);
const dir = await mkdtemp(path.join(tmpdir(), 'iofog-nats-signalled-'));
let looks = 0;
let errors = 0;
const log = pino({ level: 'warn' }, { write: (line: string) => void (line.includes('reported an error') && errors++) });
const watches = new RootWatches({ changed: async () => void looks++, singleFilesIn: () => new Set() }, log);
await watches.ensure([dir]);
for (let round = 1; round <= rounds; round++) {
  const before = errors;
  await sigchldToOtherThreads();
  await eventually(`the error of round ${round}`, () => errors > before, 5000);
  await eventually(
    `a write after the error of round ${round} to be seen`,
    async () => {
      const from = looks;
      await writeFile(path.join(dir, 'ca.pem'), String(Date.now()));
      return eventually('a look', () => looks > from, 500).catch(() => false);
    },
    10_000,
  );
  console.log(`round ${round}`);
}
await watches.stop();
await rm(dir, { recursive: true, force: true });

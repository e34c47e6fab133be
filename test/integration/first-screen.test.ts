import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { perTestCleanup } from '../support/cleanup.js';
import { superviseLayout } from '../support/supervise.js';
import { eventually } from '../support/wait.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WARN = 40;
const cleanup = perTestCleanup();

describe('the first screen', () => {
  it('when the demo config starts with an empty JWT mount then nothing is logged at warning level or above', async () => {
    const { sup, base } = await superviseLayout(cleanup, 'first-screen', {
      config: null,
      // The demo's own files (scripts/demo.sh copies them the same way), on the layout's port.
      prepare: async (l) => {
        await cp(path.join(REPO, 'docker', 'examples', 'config'), l.confDir, { recursive: true });
        const conf = await readFile(l.conf, 'utf8');
        await writeFile(l.conf, conf.replace('127.0.0.1:4222', `127.0.0.1:${l.clientPort}`).replace('"./data"', `"${l.storeDir}"`));
      },
      env: { SERVER_NAME: 'first-screen' },
      status: true,
      waitFor: 'running.idle',
    });
    await eventually('/healthz to answer 200', async () => (await fetch(`${base}/healthz`)).status === 200);
    const loud = sup.lines.filter((l) => (l.level ?? 0) >= WARN).map((l) => l.msg);
    assert.deepEqual(loud, [], sup.tail());
  });
});

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { perTestCleanup } from '../support/cleanup.js';
import { basicConfig, makeLayout, removeLayout } from '../support/layout.js';
import { varz } from '../support/nats.js';
import { SupervisorProcess } from '../support/supervisor-process.js';

// Faults with a defined outcome (README: "Faults"), each against the real nats-server.
const cleanup = perTestCleanup();

async function start(name: string, config: (l: Awaited<ReturnType<typeof makeLayout>>) => string = (l) => basicConfig(l, 'max_payload: 1000000'), env: Record<string, string> = {}) {
  const l = await makeLayout(name);
  await writeFile(l.conf, config(l));
  const sup = SupervisorProcess.start(l, env);
  cleanup.push(() => removeLayout(l), () => sup.dispose());
  return { l, sup };
}

const INSTANCES = '/proc/sys/fs/inotify/max_user_instances';
const canLimitInotify = ((): boolean => {
  try {
    writeFileSync(INSTANCES, readFileSync(INSTANCES, 'utf8'));
    return true;
  } catch {
    return false;
  }
})();

describe('faults', () => {
  it('when no inotify instance can be created then watching falls back to scanning, one scan a second per source, and changes are applied',
    { skip: canLimitInotify ? false : 'needs root and a writable /proc/sys (CI has both)' }, async () => {
      const limit = readFileSync(INSTANCES, 'utf8');
      // Instances already open stay; no new one can be made, by this supervisor or anyone, until restored.
      writeFileSync(INSTANCES, '0');
      const restore = (): void => writeFileSync(INSTANCES, limit);
      cleanup.push(restore);
      const { l, sup } = await start('no-inotify');
      try {
        await sup.waitForLog('the fallback named', (x) => /no inotify instance can be created/.test(String(x.msg)), { timeoutMs: 20_000 });
        await sup.waitForLog('watching', (x) => x.msg === 'watching');
      } finally {
        restore();
      }
      await sup.waitForState('running.idle');
      const from = sup.mark();
      await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
      assert.equal((await sup.waitForOutcome({ from })).outcome, 'applied');
      assert.equal((await varz(l)).max_payload, 2000000);
      // Scanners must not multiply: over 3 s, each source is scanned about three times.
      const window = sup.mark();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const creds = sup.lines.slice(window).filter((x) => x.msg === 'rescanned' && x.cause === 'creds').length;
      assert.ok(creds >= 2 && creds <= 5, `creds scanned ${creds} times in 3 s`);
      assert.deepEqual(await sup.stop(), { code: 0, signal: null });
    });
});

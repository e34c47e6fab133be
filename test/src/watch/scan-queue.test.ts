import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { OutOfFileDescriptors } from '../../../src/util/read-file.js';
import { ScanQueue, type Scannable } from '../../../src/watch/scan-queue.js';
import { eventually } from '../../support/wait.js';

/** A source whose scans the test releases one by one, each finding what the test says. */
class HeldSource implements Scannable {
  readonly spec = { cause: 'config' as const };
  scans = 0;
  private releases: ((paths: string[] | Error) => void)[] = [];

  rescan(): Promise<string[]> {
    this.scans++;
    return new Promise((resolve, reject) => this.releases.push((r) => (r instanceof Error ? reject(r) : resolve(r))));
  }

  async release(result: string[] | Error): Promise<void> {
    await eventually('a scan to be waiting', () => this.releases.length > 0, 2000);
    this.releases.shift()!(result);
  }
}

function queue() {
  const changes: { paths: string[]; immediate: boolean }[] = [];
  let settled = 0;
  const q = new ScanQueue<HeldSource>(
    {
      changed: (_source, paths, immediate) => changes.push({ paths, immediate }),
      settled: async () => void settled++,
    },
    pino({ level: 'silent' }),
  );
  return { q, changes, settled: () => settled };
}

describe('the scan queue', () => {
  it('when requests arrive during a scan then they make one more scan, not one each', async () => {
    const { q, changes, settled } = queue();
    const s = new HeldSource();
    const done = q.scan(s, false);
    void q.scan(s, false);
    void q.scan(s, false);
    await s.release(['/a']);
    await s.release(['/b']);
    await done;
    assert.equal(s.scans, 2);
    assert.deepEqual(changes, [
      { paths: ['/a'], immediate: false },
      { paths: ['/b'], immediate: false },
    ]);
    assert.equal(settled(), 1);
  });

  it('when an atomic swap lands during a scan then that scan and the next say immediate', async () => {
    const { q, changes } = queue();
    const s = new HeldSource();
    const done = q.scan(s, false);
    void q.scan(s, true);
    await s.release(['/a']);
    await s.release(['/b']);
    await done;
    assert.deepEqual(
      changes.map((c) => c.immediate),
      [true, true],
    );
  });

  it('when a scan finds nothing changed then nothing is reported', async () => {
    const { q, changes } = queue();
    const s = new HeldSource();
    const done = q.scan(s, false);
    await s.release([]);
    await done;
    assert.deepEqual(changes, []);
  });

  it('when a scan cannot read (out of file descriptors) then nothing is reported and it is tried again until it can', async () => {
    const { q, changes } = queue();
    const s = new HeldSource();
    void q.scan(s, false);
    await s.release(new OutOfFileDescriptors('/a', 'EMFILE'));
    assert.deepEqual(changes, []);
    await s.release(['/a']);
    await eventually('the retried scan to report', () => changes.length === 1, 5000);
    assert.deepEqual(changes, [{ paths: ['/a'], immediate: false }]);
    q.stop();
  });

  it('when stopped then a scan that finishes reports nothing', async () => {
    const { q, changes } = queue();
    const s = new HeldSource();
    const done = q.scan(s, false);
    q.stop();
    await s.release(['/a']);
    await done;
    assert.deepEqual(changes, []);
  });
});

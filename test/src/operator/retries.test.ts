import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withRetries } from '../../../src/operator/retries.js';
import type { CallResult } from '../../../src/operator/system-client.js';

const fail = (error: string): CallResult => ({ ok: false, error });
const ok = (): CallResult => ({ ok: true });

describe('the retry helper', () => {
  it('when a call fails then it is tried again until it succeeds, each failure reported', async () => {
    const retried: string[] = [];
    let calls = 0;
    const result = await withRetries(
      async () => (++calls < 2 ? fail(`no ${calls}`) : ok()),
      (e) => retried.push(e),
    );
    assert.equal(result.ok, true);
    assert.equal(calls, 2);
    assert.deepEqual(retried, ['no 1']);
  });

  it('when it is aborted while waiting to retry then no further call is made', async () => {
    const ac = new AbortController();
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls += 1;
        return fail('timeout');
      },
      () => setImmediate(() => ac.abort()),
      ac.signal,
    );
    assert.equal(result.ok, false);
    assert.equal(calls, 1, 'the call after the aborted wait never happens');
  });
});

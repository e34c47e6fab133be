import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { withDeadline } from '../../../src/util/deadline.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A request to a server that never answers: it settles only when its signal aborts. */
const neverAnswered = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

/** Garbage collection, again and again, while the deadline runs. */
async function collecting<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(gc, 5);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

describe('a deadline on a question to nats-server', () => {
  it('when nothing answers and garbage is collected meanwhile then the deadline still ends the wait', async () => {
    const outer = new AbortController();
    const t0 = Date.now();
    await assert.rejects(collecting(withDeadline(100, outer.signal, neverAnswered)), { name: 'TimeoutError' });
    assert.ok(Date.now() - t0 < 2000);
  });

  it('when the outer signal aborts first then the wait ends with its reason', async () => {
    const outer = new AbortController();
    setTimeout(() => outer.abort(new Error('stopped')), 20);
    await assert.rejects(withDeadline(60_000, outer.signal, neverAnswered), /stopped/);
  });

  it('when the answer comes in time then it is the result', async () => {
    assert.equal(await withDeadline(1000, undefined, async () => 'answer'), 'answer');
  });
});

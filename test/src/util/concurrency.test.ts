import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limiter, mapSliced } from '../../../src/util/concurrency.js';

describe('limiter', () => {
  it('when more tasks arrive than it allows then at most that many run at once, all finish, in arrival order', async () => {
    const gate = limiter(3);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gate(async () => {
          started.push(i);
          peak = Math.max(peak, ++active);
          await new Promise((r) => setTimeout(r, i % 4));
          active--;
          return i * 2;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.deepEqual(
      results,
      Array.from({ length: 20 }, (_, i) => i * 2),
    );
    assert.deepEqual(
      started,
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it('when a task fails then its slot is given back', async () => {
    const gate = limiter(1);
    await assert.rejects(
      gate(async () => {
        throw new Error('boom');
      }),
    );
    assert.equal(await gate(async () => 'next'), 'next');
  });
});

describe('mapSliced', () => {
  it('when given more items than a slice then results keep input order and the event loop runs between slices', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const out = await mapSliced(
      Array.from({ length: 1000 }, (_, i) => i),
      (i) => {
        const until = Date.now() + (i % 100 === 0 ? 2 : 0);
        while (Date.now() < until);
        return i + 1;
      },
      100,
    );
    clearInterval(timer);
    assert.deepEqual(
      out,
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    assert.ok(ticks > 0, 'timers ran between slices');
  });
});

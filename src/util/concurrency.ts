import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Runs `work` over `items` with at most `size` in flight, results in input order (network requests). */
export async function mapPool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
}

/** Items of bulk file work done between two turns of the event loop: ~256 small files take a few ms. */
export const FILE_SLICE = 256;

/**
 * Runs synchronous `work` over `items` in slices, yielding to the event loop between slices; results in
 * input order. Thousands of small files go several times faster through sync calls than through libuv's
 * thread pool (docs/performance.md), one file open at a time, and a slice keeps signals, nats-server's log
 * lines and status requests flowing.
 */
export async function mapSliced<T, R>(items: readonly T[], work: (item: T) => R, slice = FILE_SLICE): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += slice) {
    if (i > 0) await yieldToLoop();
    for (const item of items.slice(i, i + slice)) results.push(work(item));
  }
  return results;
}

/**
 * A gate for work that arrives one item at a time: at most `size` tasks run at once, the rest wait their
 * turn in arrival order (a finishing task hands its slot straight to the next).
 */
export function limiter(size: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < size) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

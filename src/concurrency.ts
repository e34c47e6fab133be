/**
 * Runs `work` over `items` with at most `size` in flight, results in input order. Bulk file work goes
 * through this: thousands of concurrent opens can exhaust file descriptors on a small edge node.
 */
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

export const FILE_CONCURRENCY = 64;

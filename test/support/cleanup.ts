import { afterEach } from 'node:test';

export type Cleanup = () => Promise<unknown> | unknown;

/**
 * The cleanups of each test of the file, run after it in reverse order whatever the test did:
 * `const cleanup = perTestCleanup();` at the top, then `cleanup.push(() => …)` where a thing is made.
 */
export function perTestCleanup(): Cleanup[] {
  const pending: Cleanup[] = [];
  afterEach(async () => {
    for (const fn of pending.splice(0).reverse()) await fn();
  });
  return pending;
}

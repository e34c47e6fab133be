import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown from a probe to stop waiting at once: the awaited thing can no longer happen. */
export class GiveUp extends Error {}

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs` saying what it
 * waited for (`what` may be a function, so a failure can describe the state at the end of the wait).
 */
export async function eventually<T>(what: string | (() => string), probe: () => T | Promise<T>, timeoutMs = 10_000): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  const described = () => (typeof what === 'function' ? what() : what);
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as Exclude<T, false | undefined>;
    } catch (err) {
      if (err instanceof GiveUp) throw new Error(`gave up waiting for ${described()}: ${err.message}`);
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${described()}${last ? ` (last error: ${String(last)})` : ''}`);
    await sleep(20);
  }
}

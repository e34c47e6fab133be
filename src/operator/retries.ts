import { setTimeout as sleep } from 'node:timers/promises';
import type { CallResult } from './system-client.js';

const RETRY_DELAYS_MS = [250, 1000, 3000];

/** A call tried again after 0.25 s, 1 s and 3 s while it fails; the last result is the answer. */
export async function withRetries(call: (attempt: number) => Promise<CallResult>, onRetry: (error: string) => void, signal?: AbortSignal): Promise<CallResult> {
  let result = await call(0);
  for (const [i, delay] of RETRY_DELAYS_MS.entries()) {
    if (result.ok || signal?.aborted) return result;
    onRetry(result.error);
    await sleep(delay, undefined, signal ? { signal } : {}).catch(() => undefined);
    // Aborted while waiting: the chart has left the state that wanted this call.
    if (signal?.aborted) return result;
    result = await call(i + 1);
  }
  return result;
}

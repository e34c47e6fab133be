import { setTimeout as sleep } from 'node:timers/promises';
import { withDeadline } from '../util/deadline.js';

/** One question's deadline: a hung nats-server accepts the connection and never answers. */
const ASK_TIMEOUT_MS = 2000;

/**
 * Asks nats-server until its answer holds nothing back (`ask` resolves null), telling `say` each new reason it
 * gives meanwhile. Resolves true once clear, false when `stop` ended the asking first.
 */
export async function askUntilClear(
  ask: (signal: AbortSignal) => Promise<string | null>,
  say: (reason: string) => void,
  stop: AbortSignal,
  everyMs: number,
): Promise<boolean> {
  let said: string | null = null;
  for (;;) {
    const reason = await withDeadline(ASK_TIMEOUT_MS, stop, ask);
    if (stop.aborted) return false;
    if (reason === null) return true;
    if (reason !== said) say((said = reason));
    await sleep(everyMs, undefined, { signal: stop });
  }
}

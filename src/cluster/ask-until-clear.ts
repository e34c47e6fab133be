import { MonitorPoll } from '../nats-server/monitor-poll.js';

/**
 * Asks nats-server until its answer holds nothing back (`ask` resolves null), telling `say` each new reason it
 * gives meanwhile; a question that got no answer is a reason too. Resolves true once clear, false when `stop`
 * ended the asking first.
 */
export function askUntilClear(
  ask: (signal: AbortSignal) => Promise<string | null>,
  say: (reason: string) => void,
  stop: AbortSignal,
  everyMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve(false);
    let said: string | null = null;
    const poll = new MonitorPoll<string | null>({
      ask,
      everyMs: () => everyMs,
      onAnswer: (answer) => {
        const reason = answer.ok ? answer.value : `nats-server does not answer on its monitoring port (${String(answer.error)})`;
        if (reason === null) {
          resolve(true);
          return 'done';
        }
        if (reason !== said) say((said = reason));
      },
    }).start();
    stop.addEventListener(
      'abort',
      () => {
        poll.close();
        resolve(false);
      },
      { once: true },
    );
  });
}

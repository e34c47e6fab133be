/**
 * Runs `ask` with a signal that aborts after `ms`, or as soon as `outer` does. The deadline is a plain timer
 * this holds until `ask` settles: with AbortSignal.any([outer, AbortSignal.timeout(ms)]) the timeout signal is
 * held only weakly by the combined one, can be garbage collected, and takes its timer with it; a request to a
 * nats-server that never answers then waits for good (the 2.9 store check stopped looking, 2 runs in 5 here).
 */
export async function withDeadline<T>(ms: number, outer: AbortSignal | undefined, ask: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException(`no answer in ${ms} ms`, 'TimeoutError')), ms);
  const onOuter = (): void => deadline.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  try {
    return await ask(deadline.signal);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

import type { SupervisorEvent } from '../machines/events.js';

/** The supervisor's own signals, as events: stop, validated reload, log reopen. Returns the unsubscribe. */
export function listenToSignals(send: (event: SupervisorEvent) => void): () => void {
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGTERM', () => send({ type: 'SHUTDOWN', signal: 'SIGTERM' })],
    ['SIGINT', () => send({ type: 'SHUTDOWN', signal: 'SIGINT' })],
    ['SIGHUP', () => send({ type: 'RELOAD_REQUESTED' })],
    ['SIGUSR1', () => send({ type: 'FORWARD_SIGNAL', signal: 'SIGUSR1' })],
  ];
  for (const [sig, fn] of handlers) process.on(sig, fn);
  return () => {
    for (const [sig, fn] of handlers) process.off(sig, fn);
  };
}

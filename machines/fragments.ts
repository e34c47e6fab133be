import type { ErrorSource } from './context.js';
import type { ServerSignal } from './events.js';
import type { Validation } from './outputs.js';

/** Pieces of the supervisor chart used in more than one state (docs/statechart.md). */

/** How a compound state ended: the key of the final child it reached, read by the parent's onDone. */
export const endedIn = (end: string) => ({ type: 'endedIn' as const, params: { end } });
export const finalState = (end: string) => ({ type: 'final' as const, output: end });

export const validationOf = ({ event }: { event: { output: Validation } }) => ({ validation: event.output });

/** An effect failed: `what` and its error become the last error (`source`: the fault whose end clears it). */
export const failed = (what: string, source?: ErrorSource, code?: number) =>
  ({ type: 'noteFailure', params: { what, source, code } }) as const;
export const cleared = (source: ErrorSource) => ({ type: 'clearError' as const, params: { sources: [source] } });

export const mirrorFailed = [failed('JWT mirror failed', 'mirror'), 'scheduleMirrorRetry'] as const;
/** An effect of the reload failed outright: nothing was applied. */
export const rejectedOnError = { type: 'recordRejection' } as const;
export const runsWhatItRead = { type: 'noteRunning' as const, params: { from: 'atSpawn' as const, causes: [] } };

/** Causes are collected wherever nothing takes them yet; an action takes them later. */
export const collectsCauses = {
  FS_CHANGED: { actions: 'addCauses' },
  RELOAD_REQUESTED: { actions: 'addCauses' },
  RETRY_MIRROR: { actions: 'addCauses' },
  RETRY_APPLY: { actions: 'addCauses' },
} as const;

/** A change while running: an atomic swap is looked at now, anything else (re)starts the quiet period. */
export const onChange = {
  FS_CHANGED: [
    { guard: 'swapLanded', target: 'checking', actions: 'addCauses' },
    { target: 'settling', reenter: true, actions: 'addCauses' },
  ],
  RELOAD_REQUESTED: { target: 'settling', reenter: true, actions: 'addCauses' },
} as const;

/**
 * How both a restart and a shutdown stop nats-server: a cluster member waits until the cluster can spare it
 * (`waitingToLeave`; a check that broke cannot say no: the member goes on, and says so), then the signal, then
 * SIGKILL once NATS_STOP_TIMEOUT_SECONDS ran out.
 */
export function leaveThenStop(signal: ServerSignal | 'shutdown') {
  const send = signal === 'shutdown' ? 'sendShutdownSignal' : { type: 'signalServer' as const, params: { signal } };
  const unknown = failed('could not tell whether the cluster can spare this member');
  return {
    waitingToLeave: {
      tags: ['serverReady'],
      description: 'Asked until no replicated stream or consumer would lose its quorum or last current replica',
      invoke: { src: 'spareCheck', id: 'spareCheck', onError: { target: 'signalling', actions: unknown } },
      on: { LEAVE_BLOCKED: { actions: 'noteLeaveBlocked' }, SPARED: 'signalling' },
    },
    signalling: { entry: ['clearLeaveBlocked', send], after: { stopTimeout: 'killing' } },
    killing: { entry: { type: 'signalServer' as const, params: { signal: 'SIGKILL' as const } } },
  } as const;
}

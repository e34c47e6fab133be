import type { ErrorSource } from './context.js';
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
 * A cluster member waits until the cluster can spare it, then goes to `next`. A check that broke cannot say no:
 * the member goes on, and says so. nats-server serves meanwhile (the `serverReady` tag).
 */
export function waitingToLeave(next: string) {
  return {
    tags: ['serverReady'],
    description: 'Asked until no replicated stream or consumer would lose its quorum or last current replica',
    invoke: {
      src: 'spareCheck',
      id: 'spareCheck',
      onError: { target: next, actions: failed('could not tell whether the cluster can spare this member') },
    },
    on: { LEAVE_BLOCKED: { actions: 'noteLeaveBlocked' }, SPARED: next },
  } as const;
}

/** The last word to a nats-server that outlived its stop's time. */
export const killing = { entry: { type: 'signalServer' as const, params: { signal: 'SIGKILL' as const } } } as const;

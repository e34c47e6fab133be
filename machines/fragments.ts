import type { ServerSignal } from './events.js';
import type { Validation } from './outputs.js';

/** Pieces of the supervisor chart used in more than one state (docs/statechart.md). */

export type ErrorEventArgs = { event: { type: string; error?: unknown } };

/** How a compound state ended: its final child's output, read by the parent's onDone. */
export type Ending = 'ready' | 'failed' | 'decided' | 'valid' | 'rejected' | 'restart' | 'concluded';

export const endedIn = (end: Ending) => ({ type: 'endedIn' as const, params: { end } });

export const finalState = (end: Ending) => ({ type: 'final' as const, output: end });

export const mirrorFailed = [
  { type: 'setError', params: ({ event }: ErrorEventArgs) => ({ message: `JWT mirror failed: ${String(event.error)}`, source: 'mirror' as const }) },
  'scheduleMirrorRetry',
] as const;

/** An effect of the reload failed outright: nothing was applied. */
export const rejectedOnError = {
  type: 'recordReload',
  params: ({ event }: ErrorEventArgs) => ({ outcome: 'rejected' as const, at: null, error: String(event.error) }),
} as const;

/** A validation that said no (or could not ask nats-server: then it is tried again). */
export const rejectedBy = {
  type: 'rejectValidation',
  params: ({ event }: { event: { output?: unknown } }) => ({ validation: event.output as Validation }),
} as const;

/** A refusal that nothing applies says what would: a restart, one member at a time with NATS_ROLLING_RESTART. */
export const refusedWithHint = (error: string | null): string | null =>
  error && `${error}; a restart would apply it (NATS_ROLLING_RESTART=on restarts one cluster member at a time)`;

export const readinessFailed = ({ event }: ErrorEventArgs) => `readiness probe failed: ${String(event.error)}`;

export const runsWhatItRead = { type: 'noteRunning' as const, params: { from: 'atSpawn' as const, causes: [] } };

/** A mirror that worked ends the fault a failed one named. */
export const mirrorWorked = { type: 'clearError' as const, params: { sources: ['mirror' as const] } };

/** A change while running: an atomic swap is looked at now, anything else (re)starts the quiet period. */
export const onChange = {
  FS_CHANGED: [
    { guard: 'swapLanded', target: 'checking', actions: 'addCauses' },
    { target: 'settling', reenter: true, actions: 'addCauses' },
  ],
  RELOAD_REQUESTED: { target: 'settling', reenter: true, actions: 'addCauses' },
} as const;

/** Before nats-server stops: asked until no replicated stream or consumer would lose its quorum without it. */
export function waitingToLeave(then: string) {
  return {
    invoke: {
      src: 'spareCheck',
      id: 'spareCheck',
      // A check that broke cannot say no: the member goes on, and says so.
      onError: {
        target: then,
        actions: {
          type: 'setError',
          params: ({ event }: ErrorEventArgs) => ({ message: `could not tell whether the cluster can spare this member: ${String(event.error)}` }),
        },
      },
    },
    on: { LEAVE_BLOCKED: { actions: 'noteLeaveBlocked' }, SPARED: then },
  } as const;
}

/** The stop both a restart and a shutdown end with: a signal, then SIGKILL once NATS_STOP_TIMEOUT_SECONDS ran out. */
export function signalThenKill(signal: ServerSignal | 'shutdown', kill: string) {
  const send = signal === 'shutdown' ? 'sendShutdownSignal' : { type: 'signalServer' as const, params: { signal } };
  return { entry: ['clearLeaveBlocked', send], after: { stopTimeout: kill } } as const;
}

export const killServer = { type: 'signalServer' as const, params: { signal: 'SIGKILL' as const } };

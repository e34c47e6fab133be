import { finalState, readinessFailed, type ErrorEventArgs } from './fragments.js';

/**
 * `concluding.reconciling`: once nats-server is ready, purge what the rules allow and push the changed claims
 * (docs/operator-mode.md). Whatever happens it ends in `reconciled`; a failure is kept as the last error.
 */
export const reconciling = {
  tags: ['serverReady'],
  description: 'Once nats-server is ready, purge what the rules allow and push the changed claims',
  initial: 'waitingReady',
  entry: 'clearReconcileDue',
  states: {
    waitingReady: {
      invoke: {
        src: 'waitReady',
        id: 'waitReady',
        onDone: { target: 'working', actions: { type: 'clearError', params: { sources: ['readiness' as const] } } },
        onError: {
          target: 'reconciled',
          actions: { type: 'setError', params: (args: ErrorEventArgs) => ({ message: readinessFailed(args), source: 'readiness' as const }) },
        },
      },
    },
    working: {
      invoke: {
        src: 'reconcile',
        id: 'reconcile',
        onDone: {
          target: 'reconciled',
          actions: [
            'recordReconcile',
            { type: 'noteRunning', params: { from: 'taken', causes: ['jwt'] } },
            { type: 'clearError', params: { sources: ['reconcile' as const] } },
          ],
        },
        onError: {
          target: 'reconciled',
          actions: {
            type: 'setError',
            params: ({ event }: ErrorEventArgs) => ({ message: `reconcile failed: ${String(event.error)}`, source: 'reconcile' as const }),
          },
        },
      },
    },
    reconciled: finalState('concluded'),
  },
  onDone: 'done',
} as const;

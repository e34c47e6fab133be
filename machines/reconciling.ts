import { finalState, readinessFailed, type ErrorEventArgs } from './fragments.js';
import type { ReconcileReport } from './outputs.js';
import type { SupervisorContext } from './context.js';
import { reconcileRetryMs } from './timing.js';

function incomplete(report: ReconcileReport, failuresBefore: number): string {
  const parts = [
    report.purgeFailed.length > 0 ? `the purge of ${report.purgeFailed.join(', ')} failed` : null,
    report.failed > 0 ? `the claims push failed for ${report.failed} account(s)` : null,
  ];
  return `reconcile incomplete: ${parts.filter(Boolean).join('; ')}; tried again in ${reconcileRetryMs(failuresBefore + 1) / 1000} s`;
}

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
        onDone: [
          {
            // What failed shows as JWT drift (nothing is marked as running) and is tried again until it completes.
            guard: { type: 'reconcileIncomplete', params: ({ event }: { event: { output: ReconcileReport } }) => ({ report: event.output }) },
            target: 'reconciled',
            actions: [
              'recordReconcile',
              {
                type: 'setError',
                params: ({ event, context }: { event: { output: ReconcileReport }; context: SupervisorContext }) => ({
                  message: incomplete(event.output, context.reconcileFailures),
                  source: 'reconcile' as const,
                }),
              },
              'scheduleReconcileRetry',
            ],
          },
          {
            target: 'reconciled',
            actions: [
              'recordReconcile',
              'resetReconcileFailures',
              { type: 'noteRunning', params: { from: 'taken', causes: ['jwt'] } },
              { type: 'clearError', params: { sources: ['reconcile' as const] } },
            ],
          },
        ],
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

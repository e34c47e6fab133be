import { cleared, failed, finalState } from './fragments.js';
import type { SupervisorContext } from './context.js';
import type { ReconcileReport } from './outputs.js';

type Reported = { event: { output: ReconcileReport } };
const reportOf = ({ event }: Reported) => ({ report: event.output });

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
        onDone: { target: 'working', actions: cleared('readiness') },
        onError: { target: 'reconciled', actions: failed('readiness probe failed', 'readiness') },
      },
    },
    working: {
      invoke: {
        src: 'reconcile',
        id: 'reconcile',
        input: ({ context }: { context: SupervisorContext }) => ({ clustered: context.clustered }),
        onDone: [
          // What failed shows as JWT drift (nothing is marked as running) and is tried again until it completes.
          {
            guard: { type: 'reconcileIncomplete', params: reportOf },
            target: 'reconciled',
            actions: [{ type: 'recordIncompleteReconcile', params: reportOf }, 'scheduleReconcileRetry'],
          },
          {
            target: 'reconciled',
            actions: [
              { type: 'recordReconcile', params: reportOf },
              { type: 'noteRunning', params: { from: 'taken', causes: ['jwt'] } },
            ],
          },
        ],
        onError: { target: 'reconciled', actions: failed('reconcile failed', 'reconcile') },
      },
    },
    reconciled: finalState('reconciled'),
  },
  onDone: 'concluded',
} as const;

import { and, not } from 'xstate';
import type { SupervisorContext } from './context.js';
import { failed } from './fragments.js';
import { regionState } from './guards.js';
import { backoffMs } from './timing.js';

const storeCheckInput = ({ context }: { context: SupervisorContext }) => ({
  minDelayMs: context.storeRecoveries === 0 ? 0 : backoffMs(context.storeRecoveries),
});

/**
 * nats-server's run: up while the lifecycle starts it until it exits. While up, two facts of it in parallel:
 * whether it has caught up with its cluster, and whether its JetStream store still writes. Its actors live and
 * die with it; one that breaks: the process's is taken for an exit, a check's is said and changes nothing.
 */
export const server = {
  initial: 'down',
  states: {
    down: { always: { guard: 'lifecycleStarting', target: 'up' } },
    up: {
      type: 'parallel',
      entry: ['noteSpawn', 'beginServerRun'],
      exit: 'endServerRun',
      invoke: [
        { src: 'serverProcess', id: 'server', onError: { actions: 'serverActorFailed' } },
        { src: 'catchUpCheck', id: 'catchUpCheck', onError: { actions: failed('the catch-up check failed') } },
        {
          src: 'storeCheck',
          id: 'storeCheck',
          input: storeCheckInput,
          onError: { actions: failed('the store check failed') },
        },
      ],
      on: {
        SERVER_SPAWNED: { actions: 'recordSpawn' },
        SERVER_EXITED: 'down',
        FORWARD_SIGNAL: { actions: 'forwardSignal' },
        DATA_AT_RISK: { actions: 'noteDataAtRisk' },
      },
      states: {
        catchUp: {
          description: "nats-server's full /healthz: every stream and consumer on this member current",
          initial: 'catchingUp',
          states: {
            catchingUp: {
              entry: 'noteCatchingUp',
              on: { CATCHING_UP: { actions: 'noteCatchingUp' }, SERVER_CAUGHT_UP: 'caughtUp' },
            },
            caughtUp: { entry: 'noteCaughtUp' },
          },
        },
        store: {
          initial: 'writing',
          states: {
            writing: { on: { STORE_FAILED: { target: 'faulted', actions: 'noteStoreFault' } } },
            faulted: {
              description: 'Only a new nats-server writes again: a restart once the store has room',
              exit: 'clearStoreFault',
              initial: 'full',
              on: {
                STORE_HAS_ROOM: [
                  { guard: 'restartWouldLose', target: '.awaitingOperator', actions: 'noteRestartHeld' },
                  { target: '.restartAsked', actions: 'addCauses' },
                ],
              },
              states: {
                full: {},
                awaitingOperator: {
                  description: 'A restart would lose acked data: it waits for `iofog-nats accept-loss`',
                  tags: ['restartHeld'],
                  on: { LOSS_ACCEPTED: { target: 'restartAsked', actions: 'addCauses' } },
                },
                restartAsked: {},
              },
            },
          },
        },
      },
    },
  },
} as const;

const toInUse = { guard: 'restartAwaitsLease', target: 'inUse' } as const;

/**
 * The cluster's one restart at a time (a JetStream KV entry): taken while a restart awaits it, held until the
 * restarted member has caught up. Its bucket is made once the member first catches up.
 */
export const lease = {
  initial: 'choosing',
  states: {
    choosing: {
      always: [
        { guard: 'leaseConfigured', target: 'unprepared' },
        { guard: 'clustered', target: 'unconfigured' },
        { target: 'standalone' },
      ],
    },
    standalone: { description: 'Not a cluster member: a restart needs no lease' },
    unconfigured: {
      description: 'A cluster member whose lease connection has no creds (operator mode): no rolling restart',
      entry: 'noteNoLease',
    },
    unprepared: { always: toInUse, on: { SERVER_CAUGHT_UP: 'preparing' } },
    preparing: {
      always: toInUse,
      invoke: { src: 'makeLeaseBucket', id: 'makeLeaseBucket', onDone: 'free', onError: 'unprepared' },
    },
    free: { always: toInUse },
    inUse: {
      invoke: { src: 'restartLease', id: 'restartLease', onError: { actions: failed('the restart lease failed') } },
      initial: 'waiting',
      exit: 'clearLeaseHolder',
      states: {
        waiting: {
          on: { LEASE_WAITING: { actions: 'noteLeaseHolder' }, LEASE_TAKEN: 'held' },
          // The restart that asked for it ended first (a shutdown): nothing to wait for.
          always: { guard: not('restartWanted'), target: regionState('lease.free') },
        },
        held: { always: { guard: and(['caughtUp', not('restartWanted')]), target: regionState('lease.free') } },
      },
    },
  },
} as const;

/** The chart's own word on readiness, what the status server's /healthz answers (docs/contract.md: Readiness). */
export const readiness = {
  initial: 'notReady',
  states: {
    notReady: { always: { guard: 'memberReady', target: 'ready' } },
    ready: { tags: ['ready'], always: { guard: not('memberReady'), target: 'notReady' } },
  },
} as const;

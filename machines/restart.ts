import { waitingToLeave } from './fragments.js';

/**
 * A restart the lifecycle decided (a refused reload with NATS_ROLLING_RESTART, a leaf's creds, a store with room
 * again), from when it is wanted until nats-server exits. Beside the lifecycle: while it waits for the restart
 * lease or to be spared, nats-server serves and every other change goes on (docs/cluster.md: Waiting is not down).
 * Once `due`, the lifecycle restarts nats-server as soon as it is idle. Any exit ends it: the next nats-server
 * reads every file, whether the restart stopped it or it crashed; so does a reload nats-server takes in full
 * after the refusal the restart was for (the refused change was undone).
 */
export const restart = {
  initial: 'none',
  states: {
    none: { entry: 'forgetRestart', on: { RESTART_WANTED: 'wanted' } },
    wanted: {
      on: { SERVER_EXITED: 'none', SHUTDOWN: 'none', RESTART_UNNEEDED: 'none' },
      exit: 'clearLeaveBlocked',
      initial: 'choosing',
      states: {
        choosing: {
          always: [
            { guard: 'leaseConfigured', target: 'awaitingLease' },
            // A store-fault restart never waits on a lease that cannot be taken; it still waits to be spared.
            { guard: 'clustered', target: 'waitingToLeave' },
            { target: 'due' },
          ],
        },
        awaitingLease: {
          description: 'One member of a cluster restarts at a time: the restart lease (lease region)',
          always: { guard: 'leaseHeld', target: 'waitingToLeave' },
        },
        waitingToLeave: waitingToLeave('due'),
        due: { description: 'Spared: the lifecycle restarts nats-server once it has no action in progress' },
      },
    },
  },
} as const;

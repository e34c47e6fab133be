import { assertEvent, assign, enqueueActions, raise } from 'xstate';
import { lifecycleSetup } from './actions.js';
import { causesLeftAfterSpawn } from './causes.js';
import type { ServerCommand, StoreWatchCommand } from './events.js';
import { CRASH_RESET_UPTIME_MS } from './timing.js';

/** The regions' actions: the server's run, its catch-up and store, the lease, leaving. */
export const supervisorSetup = lifecycleSetup.extend({
  actions: {
    /** A new nats-server reads every file itself: of what is pending, only the JWT work outlives its start. */
    beginServerRun: assign(({ context }) => ({
      server: { ...context.server, pid: null, startedAt: null },
      pendingCauses: causesLeftAfterSpawn(context.pendingCauses),
    })),
    serverActorFailed: raise(({ event }) => ({
      type: 'SERVER_EXITED' as const,
      code: null,
      signal: null,
      uptimeMs: 0,
      error: `its process actor failed: ${'error' in event ? String(event.error) : 'unknown'}`,
    })),
    /** What was said of a nats-server that is gone says nothing of the next one. */
    endServerRun: assign(({ context }) => ({
      server: { ...context.server, pid: null },
      leaveBlocked: null,
      catchingUp: null,
    })),
    recordSpawn: assign(({ context, event }) => {
      assertEvent(event, 'SERVER_SPAWNED');
      return { server: { ...context.server, pid: event.pid, startedAt: event.at } };
    }),
    forwardSignal: enqueueActions(({ enqueue, event }) => {
      assertEvent(event, 'FORWARD_SIGNAL');
      enqueue.sendTo('server', { type: 'SIGNAL', signal: event.signal } satisfies ServerCommand);
    }),
    noteDataAtRisk: assign(({ event }) => {
      assertEvent(event, 'DATA_AT_RISK');
      return { lastError: `nats-server: ${event.message}`, errorSource: 'dataAtRisk' as const };
    }),
    noteCatchingUp: assign({
      catchingUp: ({ event }) => (event.type === 'CATCHING_UP' ? event.reason : 'nats-server is starting'),
    }),
    /** Caught up: a crash or an at-risk line before it is over (the member holds current replicas again). */
    noteCaughtUp: assign(({ context }) => {
      const over = context.errorSource === 'crash' || context.errorSource === 'dataAtRisk';
      return { catchingUp: null, ...(over ? { lastError: null, errorSource: null } : {}) };
    }),
    /** The store failed: said, and the store check looks for room. A long run resets the count (timing.ts). */
    noteStoreFault: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'STORE_FAILED');
      enqueue.assign({
        storeFault: event.message,
        storeRecoveries: event.uptimeMs >= CRASH_RESET_UPTIME_MS ? 0 : context.storeRecoveries,
        lastError: `nats-server stopped writing to its JetStream store: ${event.message}`,
        errorSource: null,
      });
      enqueue.sendTo('storeCheck', { type: 'STORE_FAILED' } satisfies StoreWatchCommand);
    }),
    clearStoreFault: assign({ storeFault: null }),
    /** The store has room, but a restart would throw away acked data: said, and nothing done until an operator says. */
    noteRestartHeld: assign(({ event }) => {
      assertEvent(event, 'STORE_HAS_ROOM');
      return {
        lastError:
          `the JetStream store has room again, but a restart would lose ${event.wouldLose}; ` +
          'run iofog-nats accept-loss to restart all the same',
        errorSource: null,
      };
    }),
    noteLeaseHolder: assign(({ event }) => {
      assertEvent(event, 'LEASE_WAITING');
      return { leaseHolder: event.holder };
    }),
    clearLeaseHolder: assign({ leaseHolder: null }),
    /** Provided from src/: says once that rolling restarts are off for want of lease creds. */
    noteNoLease: enqueueActions(() => undefined),
    noteLeaveBlocked: assign(({ event }) => {
      assertEvent(event, 'LEAVE_BLOCKED');
      return { leaveBlocked: event.reason };
    }),
    clearLeaveBlocked: assign({ leaveBlocked: null }),
    /** A stop that does not wait for members that are offline themselves: said, with what it leaves at risk. */
    leaveOnGone: assign(({ event }) => {
      assertEvent(event, 'LEAVE_BLOCKED');
      const gone = event.gone.join(', ');
      return {
        lastError:
          `stopping without waiting to be spared: the members it would wait for are offline (${gone}): ` + event.reason,
        errorSource: null,
      };
    }),
    /** The wait to be spared ran out: the member leaves all the same, and says what it leaves at risk. */
    leaveUnspared: assign({
      lastError: ({ context }) => {
        const why = context.leaveBlocked ?? 'the cluster could not be asked';
        return `stopping without being spared after the leave timeout: ${why}`;
      },
      errorSource: null,
    }),
  },
});

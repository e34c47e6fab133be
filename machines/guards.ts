import { and, not, or, stateIn } from 'xstate';
import type { Cause, ChangeAction } from './causes.js';
import { effectsSetup } from './effects.js';
import type { ReconcileReport, ReloadConfirmation, Validation } from './outputs.js';
import { MAX_CONSECUTIVE_CRASHES } from './timing.js';

/** A state of the supervising regions, by id (supervisor.ts). */
export const regionState = (path: string): string => `#supervisor.supervising.${path}`;

/**
 * Where the lifecycle serves: nats-server up and past readiness (the `serverReady` tag). A member waiting for the
 * restart lease or to be spared (the restart region, or a shutdown's wait) still serves: waiting is not down.
 */
const SERVING = ['running', 'syncingJwt', 'applying', 'reloading', 'concluding', 'stopping.waitingToLeave'];

export const guardedSetup = effectsSetup.extend({
  guards: {
    configFound: (_, params: { output: boolean }) => params.output,
    configValid: (_, params: { validation: Validation }) => params.validation.valid,
    changesRemain: (_, params: { causes: Cause[] }) => params.causes.length > 0,
    causesPending: ({ context }) => context.pendingCauses.length > 0,
    /** A Kubernetes `..data` swap landed: the mount is complete now, no quiet period needed. */
    swapLanded: ({ event }) => event.type === 'FS_CHANGED' && event.immediate === true,
    leafMode: ({ context }) => context.mode === 'leaf',
    clustered: ({ context }) => context.clustered,
    leaseConfigured: ({ context }) => context.leaseConfigured,
    /** The action decided when the causes were taken (causes.ts: decideAction). */
    actionIs: ({ context }, params: { action: ChangeAction }) => context.action === params.action,
    /** A leaf restarts for a refused reload; a server only with NATS_ROLLING_RESTART, and a lease if clustered. */
    refusalRestarts: ({ context }, params: { confirmation: ReloadConfirmation }) =>
      params.confirmation.outcome === 'rejected' &&
      (context.mode === 'leaf' || (context.rollingRestart && (!context.clustered || context.leaseConfigured))),
    jwtInActiveCauses: ({ context }) => context.activeCauses.includes('jwt'),
    /** The action took JWTs, or a start owes the JWT work (the first, after a crash or a restart that took JWTs). */
    reconcileNext: ({ context }) => context.activeCauses.includes('jwt') || context.reconcileDue,
    /** A reconcile is owed while nothing else is to be done (its retry): it runs on its own. */
    onlyReconcileOwed: ({ context }) => context.action === null && context.reconcileDue,
    /** A purge or a claims push failed: what the JWTs say is not all in force. */
    reconcileIncomplete: (_, params: { report: ReconcileReport }) =>
      params.report.failed > 0 || params.report.purgeFailed.length > 0,
    purgeAwaitsCluster: ({ context }) => (context.lastReconcile?.purgeWaiting.length ?? 0) > 0,
    waitsOnlyOnGone: ({ event }) => event.type === 'LEAVE_BLOCKED' && event.gone.length > 0,
    tooManyCrashes: ({ context }) => context.consecutiveCrashes >= MAX_CONSECUTIVE_CRASHES,
    /** How a compound state ended: the output of the final child it reached. */
    endedIn: ({ event }, params: { end: string }) => 'output' in event && event.output === params.end,
    serverUp: stateIn(regionState('server.up')),
    caughtUp: stateIn(regionState('server.up.catchUp.caughtUp')),
    /** The store check found acked data a restart would throw away, or could not tell (restart-loss.ts). */
    restartWouldLose: ({ event }) => event.type === 'STORE_HAS_ROOM' && event.wouldLose !== null,
    storeFaulted: stateIn(regionState('server.up.store.faulted')),
    leaseHeld: stateIn(regionState('lease.inUse.held')),
    lifecycleStarting: stateIn(regionState('lifecycle.starting')),
    restartAwaitsLease: stateIn(regionState('restart.wanted.awaitingLease')),
    restartWanted: stateIn(regionState('restart.wanted')),
    restartDue: stateIn(regionState('restart.wanted.due')),
    serving: or(SERVING.map((s) => stateIn(regionState(`lifecycle.${s}`)))),
    /** What the status server's /healthz answers yes to (docs/contract.md: Readiness). */
    memberReady: and(['serving', 'caughtUp', not('storeFaulted')]),
  },
});

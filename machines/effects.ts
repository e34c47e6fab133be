import { fromCallback, fromPromise, setup } from 'xstate';
import type { Cause } from './causes.js';
import type { SupervisorContext, SupervisorInput } from './context.js';
import type { ServerCommand, StoreWatchCommand, SupervisorEvent } from './events.js';
import type {
  ConfirmReloadInput,
  JwtSyncReport,
  Ready,
  ReconcileInput,
  ReconcileReport,
  ReloadBaseline,
  ReloadConfirmation,
  SyncJwtInput,
  Validation,
} from './outputs.js';
import { backoffMs, DEFAULT_DELAYS, purgeAskAgainMs, reconcileRetryMs } from './timing.js';

function mustBeProvided(name: string): () => never {
  return () => {
    throw new Error(`supervisor: the effect "${name}" must be provided with machine.provide()`);
  };
}

/**
 * The chart's types, the effects src/ provides (docs/statechart.md: Effects) and its named delays; guards.ts
 * and actions.ts extend it.
 */
export const effectsSetup = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
    output: {} as { exitCode: number },
    /**
     * serverReady: nats-server is up and has passed readiness; ready: and the member has caught up with its
     * store writing (what /healthz answers).
     */
    tags: {} as 'serverReady' | 'ready' | 'restartHeld',
  },
  actors: {
    configExists: fromPromise<boolean>(mustBeProvided('configExists')),
    checkChanges: fromPromise<Cause[], { causes: Cause[] }>(mustBeProvided('checkChanges')),
    syncJwt: fromPromise<JwtSyncReport, SyncJwtInput>(mustBeProvided('syncJwt')),
    validateConfig: fromPromise<Validation>(mustBeProvided('validateConfig')),
    serverProcess: fromCallback<ServerCommand>(mustBeProvided('serverProcess')),
    waitReady: fromPromise<Ready>(mustBeProvided('waitReady')),
    reloadBaseline: fromPromise<ReloadBaseline>(mustBeProvided('reloadBaseline')),
    confirmReload: fromPromise<ReloadConfirmation, ConfirmReloadInput>(mustBeProvided('confirmReload')),
    reconcile: fromPromise<ReconcileReport, ReconcileInput>(mustBeProvided('reconcile')),
    /** With nats-server: CATCHING_UP while its full /healthz fails, SERVER_CAUGHT_UP once it passes. */
    catchUpCheck: fromCallback(mustBeProvided('catchUpCheck')),
    /**
     * With nats-server: STORE_FAILED when JetStream stops answering while its store is full (2.9 logs
     * nothing); told the store failed, STORE_HAS_ROOM once it has room, no sooner than `minDelayMs` after the spawn.
     */
    storeCheck: fromCallback<StoreWatchCommand, { minDelayMs: number }>(mustBeProvided('storeCheck')),
    /** While this member waits to leave: LEAVE_BLOCKED with the reason, SPARED once the cluster can spare it. */
    spareCheck: fromCallback(mustBeProvided('spareCheck')),
    /** LEASE_WAITING while another member holds the restart lease, LEASE_TAKEN once this one does; stopped: freed. */
    restartLease: fromCallback(mustBeProvided('restartLease')),
    /** Makes the restart lease's bucket if there is none (once caught up: an R3 bucket needs every member). */
    makeLeaseBucket: fromPromise<void>(mustBeProvided('makeLeaseBucket')),
  },
  delays: {
    ...DEFAULT_DELAYS,
    reconcileRetry: ({ context }) => reconcileRetryMs(context.reconcileFailures),
    purgeAskAgain: ({ context }) => purgeAskAgainMs(context.purgeAsks),
    backoff: ({ context }) => backoffMs(context.consecutiveCrashes),
  },
});

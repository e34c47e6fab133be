import { assertEvent, assign, enqueueActions, fromCallback, fromPromise, setup, stopChild } from 'xstate';
import { addCauses, causesLeftAfterSpawn, decideAction, type Cause, type ChangeAction } from './causes.js';
import type { ErrorSource, SupervisorContext, SupervisorInput } from './context.js';
import type { ServerCommand, ServerSignal, StoreWatchCommand, SupervisorEvent } from './events.js';
import type {
  ConfirmReloadInput,
  JwtSyncReport,
  Ready,
  SyncJwtInput,
  ReconcileReport,
  ReloadBaseline,
  ReloadConfirmation,
  ReloadOutcomeKind,
  Validation,
} from './outputs.js';
import { EXIT } from './exit-codes.js';
import { refusedWithHint, type Ending } from './fragments.js';
import { backoffMs, CRASH_RESET_UPTIME_MS, DEFAULT_DELAYS, MAX_CONSECUTIVE_CRASHES, reconcileRetryMs } from './timing.js';

function mustBeProvided(name: string): () => never {
  return () => {
    throw new Error(`supervisor: the effect "${name}" must be provided with machine.provide()`);
  };
}

const SHUTDOWN_SIGNAL = { term: 'SIGTERM', 'lame-duck': 'SIGUSR2' } as const satisfies Record<string, ServerSignal>;

/** A ready start runs what it read at spawn; a confirmed reload or reconcile runs what its action took. */
export type RunningParams = { from: 'atSpawn' | 'taken'; causes: readonly Cause[] };

type ReloadRecordParams = { outcome: ReloadOutcomeKind; at: string | null; error: string | null };

/** How every action's outcome is kept: the record, the count, and the last error it leaves. */
function outcomeRecord(
  context: SupervisorContext,
  params: ReloadRecordParams,
): Pick<SupervisorContext, 'lastReload' | 'reloadCount' | 'lastError' | 'errorSource'> {
  // What applied in full clears it (a restart reads everything afresh): the server runs what is mounted.
  const cleared = params.outcome === 'applied' || params.outcome === 'restarted';
  const kept = params.error === null && !cleared;
  return {
    lastReload: { at: params.at, causes: context.activeCauses, outcome: params.outcome, error: params.error },
    reloadCount: context.reloadCount + 1,
    lastError: kept ? context.lastError : params.error,
    errorSource: kept ? context.errorSource : null,
  };
}
type ServerExit = Extract<SupervisorEvent, { type: 'SERVER_EXITED' }>;

function describeExit(event: ServerExit): string {
  if (event.error) return `nats-server could not run: ${event.error}`;
  return `nats-server exited unexpectedly (code ${String(event.code)}, signal ${String(event.signal)})`;
}

function causeOf(event: SupervisorEvent): Cause[] {
  if (event.type === 'FS_CHANGED') return [event.cause];
  if (event.type === 'RELOAD_REQUESTED') return ['signal'];
  if (event.type === 'RETRY_MIRROR') return ['jwt'];
  if (event.type === 'RETRY_APPLY') return event.causes;
  if (event.type === 'STORE_HAS_ROOM') return ['store'];
  return [];
}

/** Types, effects, guards, delays and actions of the supervisor chart; the states are in supervisor.ts. */
export const supervisorSetup = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
    output: {} as { exitCode: number },
    /** serverReady: nats-server is up and has passed readiness (what /healthz and inspect report). */
    tags: {} as 'serverReady',
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
    reconcile: fromPromise<ReconcileReport>(mustBeProvided('reconcile')),
    /** Spawned with nats-server: CATCHING_UP while its full /healthz fails, SERVER_CAUGHT_UP once it passes. */
    catchUpWatch: fromCallback(mustBeProvided('catchUpWatch')),
    /**
     * Spawned with nats-server: says STORE_FAILED when JetStream stops answering while its store is full (2.9
     * logs nothing), and, once told the store failed, STORE_HAS_ROOM when it has room again, no sooner than
     * `minDelayMs` after the spawn.
     */
    storeWatch: fromCallback<StoreWatchCommand, { minDelayMs: number }>(mustBeProvided('storeWatch')),
    /** While this member waits to leave: LEAVE_BLOCKED with the reason, SPARED once the cluster can spare it. */
    spareCheck: fromCallback(mustBeProvided('spareCheck')),
    /** Spawned for a restart: LEASE_WAITING while another member restarts, LEASE_TAKEN once this one may; stopping it releases the lease. */
    restartLease: fromCallback(mustBeProvided('restartLease')),
  },
  guards: {
    configFound: (_, params: { found: boolean }) => params.found,
    configValid: (_, params: { validation: Validation }) => params.validation.valid,
    changesRemain: (_, params: { causes: Cause[] }) => params.causes.length > 0,
    causesPending: ({ context }) => context.pendingCauses.length > 0,
    /** A Kubernetes `..data` swap landed: the mount is complete now, no quiet period needed. */
    swapLanded: ({ event }) => event.type === 'FS_CHANGED' && event.immediate === true,
    leafMode: ({ context }) => context.mode === 'leaf',
    /** The action decided when the causes were taken (causes.ts: decideAction). */
    actionIs: ({ context }, params: { action: ChangeAction }) => context.action === params.action,
    /** A leaf restarts for a refused reload; a server only with NATS_ROLLING_RESTART. */
    refusalRestarts: ({ context }, params: { confirmation: ReloadConfirmation }) =>
      params.confirmation.outcome === 'rejected' && (context.mode === 'leaf' || context.rollingRestart),
    leaseHeld: ({ context }) => context.leaseHeld,
    storeFaulted: ({ context }) => context.storeFault !== null,
    jwtInActiveCauses: ({ context }) => context.activeCauses.includes('jwt'),
    /** The action took JWTs, or a start owes the JWT work (the first start, after a crash or a restart that took JWTs). */
    reconcileNext: ({ context }) => context.activeCauses.includes('jwt') || context.reconcileDue,
    serverAlive: ({ context }) => context.server.alive,
    /** A reconcile is owed while nothing else is to be done (its retry): it runs on its own. */
    onlyReconcileOwed: ({ context }) => context.action === null && context.reconcileDue,
    /** A purge or a claims push failed: what the JWTs say is not all in force. */
    reconcileIncomplete: (_, params: { report: ReconcileReport }) => params.report.failed > 0 || params.report.purgeFailed.length > 0,
    tooManyCrashes: ({ context }) => context.consecutiveCrashes >= MAX_CONSECUTIVE_CRASHES,
    /** How a compound state ended: the output of the final child it reached. */
    endedIn: ({ event }, params: { end: Ending }) => (event as { output?: unknown }).output === params.end,
  },
  delays: {
    configPoll: DEFAULT_DELAYS.configPoll,
    mirrorRetry: DEFAULT_DELAYS.mirrorRetry,
    reconcileRetry: ({ context }) => reconcileRetryMs(context.reconcileFailures),
    applyRetry: DEFAULT_DELAYS.applyRetry,
    configWait: DEFAULT_DELAYS.configWait,
    debounce: DEFAULT_DELAYS.debounce,
    stopTimeout: DEFAULT_DELAYS.stopTimeout,
    leaveTimeout: DEFAULT_DELAYS.leaveTimeout,
    confirmTimeout: DEFAULT_DELAYS.confirmTimeout,
    readyTimeout: DEFAULT_DELAYS.readyTimeout,
    backoff: ({ context }) => backoffMs(context.consecutiveCrashes),
  },
  actions: {
    addCauses: assign({ pendingCauses: ({ context, event }) => addCauses(context.pendingCauses, causeOf(event)) }),
    takeCauses: assign({ activeCauses: ({ context }) => context.pendingCauses, pendingCauses: [] }),
    spawnServer: enqueueActions(({ enqueue, context }) => {
      enqueue.spawnChild('serverProcess', { id: 'server' });
      enqueue.spawnChild('catchUpWatch', { id: 'catchUp' });
      const minDelayMs = context.storeRecoveries === 0 ? 0 : backoffMs(context.storeRecoveries);
      enqueue.spawnChild('storeWatch', { id: 'storeWatch', input: { minDelayMs } });
      enqueue.assign({
        storeFault: null,
        server: { ...context.server, alive: true, pid: null, startedAt: null },
        caughtUp: false,
        catchingUp: 'nats-server is starting',
        pendingCauses: causesLeftAfterSpawn(context.pendingCauses),
      });
    }),
    signalServer: enqueueActions(({ enqueue, context }, params: { signal: ServerSignal }) => {
      if (context.server.alive) enqueue.sendTo('server', { type: 'SIGNAL', signal: params.signal } satisfies ServerCommand);
    }),
    sendShutdownSignal: enqueueActions(({ enqueue, context }) => {
      if (!context.server.alive) return;
      enqueue.sendTo('server', { type: 'SIGNAL', signal: SHUTDOWN_SIGNAL[context.shutdown] } satisfies ServerCommand);
    }),
    forwardSignal: enqueueActions(({ enqueue, event, context }) => {
      assertEvent(event, 'FORWARD_SIGNAL');
      if (!context.server.alive) return;
      enqueue.sendTo('server', { type: 'SIGNAL', signal: event.signal } satisfies ServerCommand);
    }),
    recordSpawn: assign(({ context, event }) => {
      assertEvent(event, 'SERVER_SPAWNED');
      return { server: { ...context.server, pid: event.pid, startedAt: event.at } };
    }),
    releaseServer: enqueueActions(({ enqueue, context }) => {
      enqueue(stopChild('server'));
      enqueue(stopChild('catchUp'));
      enqueue(stopChild('storeWatch'));
      enqueue.assign({ server: { ...context.server, alive: false, pid: null }, caughtUp: false, catchingUp: null, leaveBlocked: null });
    }),
    recordCrash: assign(({ context, event }) => {
      assertEvent(event, 'SERVER_EXITED');
      const healthyBefore = event.uptimeMs >= CRASH_RESET_UPTIME_MS;
      return {
        consecutiveCrashes: healthyBefore ? 1 : context.consecutiveCrashes + 1,
        server: { ...context.server, crashes: context.server.crashes + 1 },
        // Whatever the crashed action took is owed again; the next spawn keeps only what a start does not cover.
        pendingCauses: addCauses(context.pendingCauses, context.activeCauses),
        activeCauses: [],
        reconcileDue: true,
        lastError: describeExit(event),
        errorSource: 'crash' as const,
      };
    }),
    recordReload: assign(({ context }, params: ReloadRecordParams) => outcomeRecord(context, params)),
    keepBaseline: assign({ baseline: ({ event }) => (event as unknown as { output: ReloadBaseline }).output }),
    forgetBaseline: assign({ baseline: null }),
    /** Why a restart stands in for the reload: nats-server's refusal, or `params.refusal`. */
    noteRefusal: assign({
      refusal: ({ event }, params?: { refusal: string }) => params?.refusal ?? (event as unknown as { output: ReloadConfirmation }).output.error,
    }),
    /** A confirmation, applied or refused, is the reload's outcome. */
    recordConfirmation: assign(({ context, event }) => {
      const { output } = event as unknown as { output: ReloadConfirmation };
      return outcomeRecord(context, { outcome: output.outcome, at: output.at, error: refusedWithHint(output.error) });
    }),
    /** A validation that said no; one that could not ask nats-server (deferred) is tried again. */
    rejectValidation: enqueueActions(({ enqueue, context }, params: { validation: Validation }) => {
      enqueue.assign(outcomeRecord(context, { outcome: 'rejected', at: params.validation.at, error: params.validation.message }));
      if (!params.validation.deferred) return;
      enqueue.cancel('applyRetry');
      enqueue.raise({ type: 'RETRY_APPLY', causes: context.activeCauses }, { id: 'applyRetry', delay: 'applyRetry' });
    }),
    decideAction: assign({ action: ({ context }) => decideAction(context.mode, context.activeCauses) }),
    /** The mirror failed: the JWT work is owed to its retry now, not to this action (no reconcile follows). */
    abandonJwt: assign({ activeCauses: ({ context }) => context.activeCauses.filter((c) => c !== 'jwt') }),
    /** The outcome `restarted`, naming the refusal when a refused reload led to it. */
    recordRestartDone: assign(({ context }) => {
      const error = context.refusal && `nats-server refused the reload (${context.refusal}); restarted`;
      return {
        ...outcomeRecord(context, { at: null, outcome: 'restarted', error }),
        server: { ...context.server, restarts: context.server.restarts + 1 },
        reconcileDue: context.reconcileDue || context.activeCauses.includes('jwt'),
        refusal: null,
        storeRecoveries: context.activeCauses.includes('store') ? context.storeRecoveries + 1 : context.storeRecoveries,
      };
    }),
    /** The store failed: said, and the store watch looks for room. One that ran CRASH_RESET_UPTIME_MS first starts the count over. */
    noteStoreFault: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'STORE_FAILED');
      enqueue.assign({
        storeFault: event.message,
        storeRecoveries: event.uptimeMs >= CRASH_RESET_UPTIME_MS ? 0 : context.storeRecoveries,
        lastError: `nats-server stopped writing to its JetStream store: ${event.message}`,
        errorSource: null,
      });
      enqueue.sendTo('storeWatch', { type: 'STORE_FAILED' } satisfies StoreWatchCommand);
    }),
    finishAction: assign({ activeCauses: [], action: null }),
    clearReconcileDue: assign({ reconcileDue: false }),
    recordReconcile: assign({ lastReconcile: ({ event }) => (event as unknown as { output: ReconcileReport }).output }),
    noteCatchingUp: assign(({ event }) => {
      assertEvent(event, 'CATCHING_UP');
      return { catchingUp: event.reason };
    }),
    /** Caught up: a crash or an at-risk line before it is over (the member holds current replicas again). */
    noteCaughtUp: assign(({ context }) => ({
      caughtUp: true,
      catchingUp: null,
      ...(context.errorSource === 'crash' || context.errorSource === 'dataAtRisk' ? { lastError: null, errorSource: null } : {}),
    })),
    takeLease: enqueueActions(({ enqueue }) => {
      enqueue(stopChild('lease'));
      enqueue.spawnChild('restartLease', { id: 'lease' });
    }),
    noteLeaseTaken: assign({ leaseHeld: true, leaseHolder: null }),
    noteLeaseWaiting: assign(({ event }) => {
      assertEvent(event, 'LEASE_WAITING');
      return { leaseHolder: event.holder };
    }),
    /** The restarted member has caught up: the next one may restart. */
    releaseLease: enqueueActions(({ enqueue }) => {
      enqueue(stopChild('lease'));
      enqueue.assign({ leaseHeld: false, leaseHolder: null });
    }),
    noteLeaveBlocked: assign(({ event }) => {
      assertEvent(event, 'LEAVE_BLOCKED');
      return { leaveBlocked: event.reason };
    }),
    clearLeaveBlocked: assign({ leaveBlocked: null }),
    /** The wait to be spared ran out: the member leaves all the same, and says what it leaves at risk. */
    leaveUnspared: assign({
      lastError: ({ context }) => `stopping without being spared after the leave timeout: ${context.leaveBlocked ?? 'the cluster could not be asked'}`,
      errorSource: null,
    }),
    /** One retry pending at a time, as for the mirror; each failure in a row waits longer (reconcileRetryMs). */
    scheduleReconcileRetry: enqueueActions(({ enqueue, context }) => {
      enqueue.assign({ reconcileFailures: context.reconcileFailures + 1 });
      enqueue.cancel('reconcileRetry');
      enqueue.raise({ type: 'RETRY_RECONCILE' }, { id: 'reconcileRetry', delay: 'reconcileRetry' });
    }),
    oweReconcile: assign({ reconcileDue: true }),
    resetReconcileFailures: assign({ reconcileFailures: 0 }),
    /** One retry pending at a time: a second failure before it fires replaces it. */
    scheduleMirrorRetry: enqueueActions(({ enqueue }) => {
      enqueue.cancel('mirrorRetry');
      enqueue.raise({ type: 'RETRY_MIRROR' }, { id: 'mirrorRetry', delay: 'mirrorRetry' });
    }),
    /** Provided from src/: make the restart lease's bucket if there is none yet, before a restart needs it. */
    prepareLease: enqueueActions(() => undefined),
    /** Provided from src/: nats-server reads the mounted files now; it runs them once it is ready. */
    noteSpawn: enqueueActions(() => undefined),
    /** Provided from src/: what nats-server runs now (drift is what is mounted against this). */
    noteRunning: enqueueActions((_, params: RunningParams) => void params),
    /** `source`: the fault it names, when its end clears it (clearError); none: it stays until replaced. */
    setError: assign((_, params: { message: string; source?: ErrorSource }) => ({ lastError: params.message, errorSource: params.source ?? null })),
    clearError: assign(({ context }, params: { sources: readonly ErrorSource[] }) =>
      context.errorSource !== null && params.sources.includes(context.errorSource) ? { lastError: null, errorSource: null } : {},
    ),
    setExitCode: assign({ exitCode: (_, params: { code: number }) => params.code }),
    recordShutdown: assign(({ context, event }) => {
      assertEvent(event, 'SHUTDOWN');
      return event.failure ? { exitCode: EXIT.serverFailed, lastError: event.failure, errorSource: null } : { exitCode: context.exitCode };
    }),
    fail: assign((_, params: { code: number; message: string }) => ({ exitCode: params.code, lastError: params.message, errorSource: null })),
  },
});

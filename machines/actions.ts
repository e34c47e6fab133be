import { assertEvent, assign, enqueueActions, sendTo } from 'xstate';
import { addCauses, decideAction, type Cause } from './causes.js';
import type { ErrorSource, SupervisorContext } from './context.js';
import type { ServerSignal, SupervisorEvent } from './events.js';
import { EXIT } from './exit-codes.js';
import { guardedSetup } from './guards.js';
import type { ReconcileReport, ReloadBaseline, ReloadConfirmation, ReloadOutcomeKind, Validation } from './outputs.js';
import { CRASH_RESET_UPTIME_MS, reconcileRetryMs } from './timing.js';

const SHUTDOWN_SIGNAL = { term: 'SIGTERM', 'lame-duck': 'SIGUSR2' } as const satisfies Record<string, ServerSignal>;

/** A ready start runs what it read at spawn; a confirmed reload or reconcile runs what its action took. */
export type RunningParams = { from: 'atSpawn' | 'taken'; causes: readonly Cause[] };

type Outcome = { outcome: ReloadOutcomeKind; at: string | null; error: string | null };

/** How every action's outcome is kept: the record, the count, and the last error it leaves. */
function outcomeRecord(
  context: SupervisorContext,
  { outcome, at, error }: Outcome,
  causes: Cause[] = context.activeCauses,
): Partial<SupervisorContext> {
  // What applied in full clears it (a restart reads everything afresh): the server runs what is mounted.
  const kept = error === null && outcome !== 'applied' && outcome !== 'restarted';
  return {
    lastReload: { at, causes, outcome, error },
    reloadCount: context.reloadCount + 1,
    lastError: kept ? context.lastError : error,
    errorSource: kept ? context.errorSource : null,
  };
}

/** A refusal that nothing applies says what would: a restart, one member at a time with NATS_ROLLING_RESTART. */
function refusedWithHint(context: SupervisorContext, error: string | null): string | null {
  if (!error) return error;
  if (context.rollingRestart && context.clustered && !context.leaseConfigured) {
    return `${error}; a restart would apply it, but no restart lease is configured (NATS_RESTART_LEASE_CREDS)`;
  }
  return `${error}; a restart would apply it (NATS_ROLLING_RESTART=on restarts one cluster member at a time)`;
}

const errorOf = (event: SupervisorEvent): string => String('error' in event ? event.error : event.type);

function causeOf(event: SupervisorEvent): Cause[] {
  if (event.type === 'FS_CHANGED') return [event.cause];
  if (event.type === 'RELOAD_REQUESTED') return ['signal'];
  if (event.type === 'RETRY_MIRROR') return ['jwt'];
  if (event.type === 'RETRY_APPLY') return event.causes;
  if (event.type === 'STORE_HAS_ROOM' || event.type === 'LOSS_ACCEPTED') return ['store'];
  return [];
}

function incomplete(report: ReconcileReport, failuresBefore: number): string {
  const parts = [
    report.purgeFailed.length > 0 ? `the purge of ${report.purgeFailed.join(', ')} failed` : null,
    report.failed > 0 ? `the claims push failed for ${report.failed} account(s)` : null,
  ];
  const retryS = reconcileRetryMs(failuresBefore + 1) / 1000;
  return `reconcile incomplete: ${parts.filter(Boolean).join('; ')}; tried again in ${retryS} s`;
}

/** The lifecycle's actions: causes, outcomes, signals, errors. */
export const lifecycleSetup = guardedSetup.extend({
  actions: {
    addCauses: assign({ pendingCauses: ({ context, event }) => addCauses(context.pendingCauses, causeOf(event)) }),
    takeCauses: assign({ activeCauses: ({ context }) => context.pendingCauses, pendingCauses: [] }),
    /** Of the causes taken, those whose contents still differ from what was applied, and what they ask for. */
    takeRemaining: assign(({ context }, params: { causes: Cause[] }) => ({
      activeCauses: params.causes,
      action: decideAction(context.mode, params.causes),
    })),
    decideAction: assign({ action: ({ context }) => decideAction(context.mode, context.activeCauses) }),
    finishAction: assign({ activeCauses: [], action: null }),
    /** The mirror failed: the JWT work is owed to its retry now, not to this action (no reconcile follows). */
    abandonJwt: assign({ activeCauses: ({ context }) => context.activeCauses.filter((c) => c !== 'jwt') }),
    decideClustered: assign((_, params: { validation: Validation }) => ({
      clustered: !!params.validation.clustered,
      leaseConfigured: !!params.validation.restartLease,
    })),
    /** Only where nats-server is up (server.up): the chart sends no signal elsewhere. */
    signalServer: sendTo('server', (_, params: { signal: ServerSignal }) => ({
      type: 'SIGNAL',
      signal: params.signal,
    })),
    sendShutdownSignal: sendTo('server', ({ context }) => ({
      type: 'SIGNAL',
      signal: SHUTDOWN_SIGNAL[context.shutdown],
    })),
    recordCrash: assign(({ context, event }) => {
      assertEvent(event, 'SERVER_EXITED');
      const why = event.error
        ? `nats-server could not run: ${event.error}`
        : `nats-server exited unexpectedly (code ${String(event.code)}, signal ${String(event.signal)})`;
      return {
        consecutiveCrashes: event.uptimeMs >= CRASH_RESET_UPTIME_MS ? 1 : context.consecutiveCrashes + 1,
        server: { ...context.server, crashes: context.server.crashes + 1 },
        // Whatever the crashed action took is owed again; the next spawn keeps only what a start does not cover.
        pendingCauses: addCauses(context.pendingCauses, context.activeCauses),
        activeCauses: [],
        reconcileDue: true,
        lastError: why,
        errorSource: 'crash' as const,
      };
    }),
    recordReload: assign(({ context }, params: Outcome) => outcomeRecord(context, params)),
    recordRejection: assign(({ context, event }) =>
      outcomeRecord(context, { outcome: 'rejected', at: null, error: errorOf(event) }),
    ),
    keepBaseline: assign({ baseline: (_, params: { baseline: ReloadBaseline }) => params.baseline }),
    forgetBaseline: assign({ baseline: null }),
    keepDigest: assign({
      validatedDigest: (_, params: { validation: Validation }) => params.validation.digest ?? null,
    }),
    /** Why a restart stands in for the reload: nats-server's refusal, or that it was not confirmed. */
    noteRefusal: assign({ refusal: (_, params: { refusal: string | null }) => params.refusal }),
    /** A confirmation, applied or refused, is the reload's outcome. */
    recordConfirmation: assign(({ context }, params: { confirmation: ReloadConfirmation }) => {
      const { outcome, at, error } = params.confirmation;
      return outcomeRecord(context, { outcome, at, error: refusedWithHint(context, error) });
    }),
    /** A validation that said no; one that could not ask nats-server (deferred) is tried again. */
    rejectValidation: enqueueActions(({ enqueue, context }, params: { validation: Validation }) => {
      const { at, message, deferred } = params.validation;
      enqueue.assign(outcomeRecord(context, { outcome: 'rejected', at, error: message }));
      if (!deferred) return;
      enqueue.cancel('applyRetry');
      enqueue.raise({ type: 'RETRY_APPLY', causes: context.activeCauses }, { id: 'applyRetry', delay: 'applyRetry' });
    }),
    /** The restart region takes it from here; the action concludes now, and nats-server serves meanwhile. */
    wantRestart: enqueueActions(({ enqueue, context }) => {
      const restartCauses = addCauses(context.restartCauses, context.activeCauses);
      const forStore = context.activeCauses.includes('store') && !context.restartCauses.includes('store');
      enqueue.assign({ restartCauses, storeRecoveries: context.storeRecoveries + (forStore ? 1 : 0) });
      enqueue.raise({ type: 'RESTART_WANTED' });
    }),
    /** The outcome `restarted`, naming the refusal when a refused reload led to it. */
    recordRestartDone: assign(({ context }) => {
      const error = context.refusal && `nats-server refused the reload (${context.refusal}); restarted`;
      return {
        ...outcomeRecord(context, { at: null, outcome: 'restarted', error }, context.restartCauses),
        server: { ...context.server, restarts: context.server.restarts + 1 },
        refusal: null,
        restartCauses: [],
      };
    }),
    forgetRestart: assign({ restartCauses: [], refusal: null }),
    /**
     * nats-server took a whole reload: it runs every mounted file, so a restart wanted only because an earlier
     * reload was refused (the refused change was undone meanwhile) has nothing left to apply.
     */
    dropRefusedRestart: enqueueActions(({ enqueue, context }, params: { confirmation: ReloadConfirmation }) => {
      const onlyRefused = !context.restartCauses.some((c) => c === 'store' || c === 'creds');
      if (params.confirmation.outcome === 'applied' && context.refusal !== null && onlyRefused) {
        enqueue.raise({ type: 'RESTART_UNNEEDED' });
      }
    }),
    clearReconcileDue: assign({ reconcileDue: false }),
    countPurgeAsk: assign(({ context }) => ({ purgeAsks: context.purgeAsks + 1 })),
    forgetPurgeAsks: assign({ purgeAsks: 0 }),
    oweReconcile: assign({ reconcileDue: true }),
    /** A reconcile that did all it had to: its failures in a row end, and the fault they named. */
    recordReconcile: assign(({ context }, params: { report: ReconcileReport }) => ({
      lastReconcile: params.report,
      reconcileFailures: 0,
      ...(context.errorSource === 'reconcile' ? { lastError: null, errorSource: null } : {}),
    })),
    /** One retry pending at a time (scheduleReconcileRetry); each failure in a row waits longer (reconcileRetryMs). */
    recordIncompleteReconcile: assign(({ context }, params: { report: ReconcileReport }) => ({
      lastReconcile: params.report,
      lastError: incomplete(params.report, context.reconcileFailures),
      errorSource: 'reconcile' as const,
    })),
    scheduleReconcileRetry: enqueueActions(({ enqueue, context }) => {
      enqueue.assign({ reconcileFailures: context.reconcileFailures + 1 });
      enqueue.cancel('reconcileRetry');
      enqueue.raise({ type: 'RETRY_RECONCILE' }, { id: 'reconcileRetry', delay: 'reconcileRetry' });
    }),
    /** One retry pending at a time: a second failure before it fires replaces it. */
    scheduleMirrorRetry: enqueueActions(({ enqueue }) => {
      enqueue.cancel('mirrorRetry');
      enqueue.raise({ type: 'RETRY_MIRROR' }, { id: 'mirrorRetry', delay: 'mirrorRetry' });
    }),
    /** Provided from src/: nats-server reads the mounted files now; it runs them once it is ready. */
    noteSpawn: enqueueActions(() => undefined),
    /** Provided from src/: what nats-server runs now (drift is what is mounted against this). */
    noteRunning: enqueueActions((_, params: RunningParams) => void params),
    /** `source`: the fault it names, when its end clears it (clearError); none: it stays until replaced. */
    noteFailure: assign(({ event }, params: { what: string; source?: ErrorSource; code?: number }) => ({
      lastError: `${params.what}: ${errorOf(event)}`,
      errorSource: params.source ?? null,
      ...(params.code === undefined ? {} : { exitCode: params.code }),
    })),
    clearError: assign(({ context }, params: { sources: readonly ErrorSource[] }) =>
      context.errorSource !== null && params.sources.includes(context.errorSource)
        ? { lastError: null, errorSource: null }
        : {},
    ),
    noteNotReady: assign({
      lastError: 'nats-server is not ready yet (still waiting)',
      errorSource: 'notReady' as const,
    }),
    setExitCode: assign({ exitCode: (_, params: { code: number }) => params.code }),
    recordShutdown: assign(({ context, event }) => {
      assertEvent(event, 'SHUTDOWN');
      if (!event.failure) return { exitCode: context.exitCode };
      return { exitCode: EXIT.serverFailed, lastError: event.failure, errorSource: null };
    }),
    /** The first config nats-server rejects ends the supervisor (exit 78, docs/contract.md: Exit codes). */
    fail: assign((_, params: { validation: Validation }) => ({
      exitCode: EXIT.configInvalid,
      lastError: params.validation.message,
      errorSource: null,
    })),
    failConfigWait: assign({
      exitCode: EXIT.configInvalid,
      lastError: 'the server config (NATS_CONF) did not appear in time',
      errorSource: null,
    }),
  },
});

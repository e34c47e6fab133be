import { not } from 'xstate';
import type { Cause } from './causes.js';
import type { SupervisorContext } from './context.js';
import { EXIT } from './exit-codes.js';
import * as f from './fragments.js';
import { reconciling } from './reconciling.js';
import { reloading } from './reloading.js';

const causesOf = ({ event }: { event: { output: Cause[] } }) => ({ causes: event.output });
const serverFailed = { type: 'setExitCode', params: { code: EXIT.serverFailed } } as const;

const starting = {
  description: 'nats-server is spawned (server.up); wait until it is safe to signal',
  after: { readyTimeout: { actions: 'noteNotReady' } },
  invoke: {
    src: 'waitReady',
    id: 'waitReady',
    // A start ends the restart that asked for it, or owes the JWT work a crash left: concluding decides.
    onDone: { target: 'concluding', actions: [f.runsWhatItRead, f.cleared('notReady')] },
    onError: { target: 'stopping', actions: f.failed('readiness probe failed', undefined, EXIT.serverFailed) },
  },
} as const;

const running = {
  tags: ['serverReady'],
  initial: 'idle',
  states: {
    idle: {
      always: [
        { guard: 'restartDue', target: 'restartDue' },
        { guard: 'causesPending', target: 'settling' },
        { guard: 'onlyReconcileOwed', target: 'decided' },
      ],
      on: f.onChange,
    },
    settling: {
      description: 'Collecting causes. Every change starts the quiet period (NATS_RELOAD_DEBOUNCE_MS) again',
      on: f.onChange,
      after: { debounce: 'checking' },
    },
    checking: {
      description: 'Events only say look again: the causes whose contents differ from what was applied go on',
      entry: 'takeCauses',
      invoke: {
        src: 'checkChanges',
        id: 'checkChanges',
        input: ({ context }: { context: SupervisorContext }) => ({ causes: context.activeCauses }),
        onDone: [
          {
            guard: { type: 'changesRemain', params: causesOf },
            target: 'decided',
            actions: { type: 'takeRemaining', params: causesOf },
          },
          // A look that finds nothing changed took no action.
          { target: 'idle', actions: 'finishAction' },
        ],
        onError: { target: 'decided', actions: 'decideAction' },
      },
    },
    decided: f.finalState('decided'),
    restartDue: f.finalState('restartDue'),
  },
  onDone: [
    { guard: f.endedIn('restartDue'), target: 'restarting' },
    { guard: { type: 'actionIs', params: { action: 'syncOnly' } }, target: 'syncingJwt' },
    { guard: 'onlyReconcileOwed', target: 'concluding' },
    { target: 'applying' },
  ],
} as const;

const syncingJwt = {
  tags: ['serverReady'],
  description: 'Only JWTs changed. No validation and no signal follow, so claims are pushed as their files land',
  invoke: {
    src: 'syncJwt',
    id: 'syncJwt',
    input: { reason: 'change', pushAsWritten: true },
    onDone: { target: 'concluding', actions: f.cleared('mirror') },
    onError: { target: 'concluding', actions: [...f.mirrorFailed, 'abandonJwt'] },
  },
} as const;

const applying = {
  tags: ['serverReady'],
  description: 'Mirror the JWTs if they changed, then validate: no signal follows a config nats-server would reject',
  initial: 'mirroring',
  states: {
    mirroring: {
      always: { guard: not('jwtInActiveCauses'), target: 'validating' },
      invoke: {
        src: 'syncJwt',
        id: 'syncJwt',
        input: { reason: 'change', pushAsWritten: false },
        onDone: { target: 'validating', actions: f.cleared('mirror') },
        onError: { target: 'validating', actions: f.mirrorFailed },
      },
    },
    validating: {
      invoke: {
        src: 'validateConfig',
        id: 'validateConfig',
        onDone: [
          {
            guard: { type: 'configValid', params: f.validationOf },
            target: 'valid',
            actions: { type: 'keepDigest', params: f.validationOf },
          },
          { target: 'rejected', actions: { type: 'rejectValidation', params: f.validationOf } },
        ],
        onError: { target: 'rejected', actions: f.rejectedOnError },
      },
    },
    valid: f.finalState('valid'),
    rejected: f.finalState('rejected'),
  },
  onDone: [
    { guard: f.endedIn('rejected'), target: 'concluding' },
    { guard: { type: 'actionIs', params: { action: 'restart' } }, target: 'concluding', actions: 'wantRestart' },
    { target: 'reloading' },
  ],
} as const;

const restarting = {
  description:
    'The restart the restart region made due: SIGINT, then SIGKILL once NATS_STOP_TIMEOUT_SECONDS ran out. ' +
    'The new nats-server reads every file itself: the action ends at its spawn, and concludes once it is ready',
  initial: 'signalling',
  on: { SERVER_EXITED: { target: 'starting', actions: 'recordRestartDone' } },
  states: {
    signalling: {
      entry: { type: 'signalServer', params: { signal: 'SIGINT' } },
      after: { stopTimeout: 'killing' },
    },
    killing: f.killing,
  },
} as const;

const concluding = {
  description: 'Where every action and every ready start ends: reconcile when JWTs changed or a start owes it',
  initial: 'choosing',
  states: {
    choosing: { always: [{ guard: 'reconcileNext', target: 'reconciling' }, { target: 'concluded' }] },
    reconciling,
    concluded: f.finalState('concluded'),
  },
  onDone: { target: 'running', actions: 'finishAction' },
} as const;

const backingOff = {
  description: 'Unexpected exit. Wait 1 s doubling up to 30 s, then start again. 10 crashes in a row end it',
  always: { guard: 'tooManyCrashes', target: '#supervisor.failed', actions: serverFailed },
  after: { backoff: 'starting' },
} as const;

const waitToStop = f.waitingToLeave('signalling');
const stopping = {
  description:
    "Within NATS_STOP_GRACE_SECONDS: a cluster member waits to be spared, then NATS_SHUTDOWN's signal, SIGINT " +
    'when its share of the grace is up, then SIGKILL',
  initial: 'choosing',
  on: { SHUTDOWN: { actions: 'recordShutdown' }, SERVER_EXITED: '#supervisor.stopped' },
  states: {
    choosing: {
      always: [
        { guard: not('serverUp'), target: '#supervisor.stopped' },
        { guard: 'clustered', target: 'waitingToLeave' },
        { target: 'signalling' },
      ],
    },
    waitingToLeave: {
      ...waitToStop,
      on: {
        ...waitToStop.on,
        // Those it would wait for are leaving or gone themselves (a drain of the cluster): nothing to wait for.
        LEAVE_BLOCKED: [
          { guard: 'waitsOnlyOnGone', target: 'signalling', actions: 'leaveOnGone' },
          waitToStop.on.LEAVE_BLOCKED,
        ],
      },
      after: { leaveTimeout: { target: 'signalling', actions: 'leaveUnspared' } },
    },
    signalling: { entry: ['clearLeaveBlocked', 'sendShutdownSignal'], after: { signalTimeout: 'ending' } },
    ending: {
      description: 'The grace runs out: SIGINT ends a lame duck at once (SIGTERM does not), then SIGKILL',
      entry: { type: 'signalServer' as const, params: { signal: 'SIGINT' as const } },
      after: { finalTimeout: 'killing' },
    },
    killing: { entry: [f.killing.entry, serverFailed] },
  },
} as const;

/** What the supervisor does with nats-server, one step at a time (docs/statechart.md). */
export const lifecycle = {
  initial: 'starting',
  on: {
    ...f.collectsCauses,
    // The next conclusion reconciles; with nothing else to do, running starts one (running.idle).
    RETRY_RECONCILE: { actions: 'oweReconcile' },
    SHUTDOWN: { target: '.stopping', actions: 'recordShutdown' },
    // Wherever nats-server runs and its exit was not asked for (stopping and restarting expect it).
    SERVER_EXITED: { guard: 'serverUp', target: '.backingOff', actions: 'recordCrash' },
  },
  states: { starting, running, syncingJwt, applying, reloading, restarting, concluding, backingOff, stopping },
} as const;

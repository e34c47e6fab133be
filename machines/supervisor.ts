import { assign, not } from 'xstate';
import { initialContext } from './context.js';
import { EXIT } from './exit-codes.js';
import {
  endedIn,
  finalState,
  killServer,
  mirrorFailed,
  mirrorWorked,
  onChange,
  readinessFailed,
  rejectedBy,
  rejectedOnError,
  runsWhatItRead,
  signalThenKill,
  waitingToLeave,
} from './fragments.js';
import { reconciling } from './reconciling.js';
import { reloading } from './reloading.js';
import { supervisorSetup } from './supervisor-setup.js';

/**
 * The supervisor statechart (docs/statechart.md; the rules it keeps: docs/contract.md). Pure: every effect is
 * provided from src/. Each compound state ends in a final child whose output its onDone routes on.
 */
export const supervisorMachine = supervisorSetup.createMachine({
  id: 'supervisor',
  context: ({ input }) => initialContext(input),
  initial: 'waitingForConfig',
  output: ({ context }) => ({ exitCode: context.exitCode }),
  on: {
    FS_CHANGED: { actions: 'addCauses' },
    RELOAD_REQUESTED: { actions: 'addCauses' },
    RETRY_MIRROR: { actions: 'addCauses' },
    RETRY_APPLY: { actions: 'addCauses' },
    // The next conclusion reconciles; with nothing else to do, running starts one (running.idle).
    RETRY_RECONCILE: { actions: 'oweReconcile' },
    FORWARD_SIGNAL: { actions: 'forwardSignal' },
    CATCHING_UP: { actions: 'noteCatchingUp' },
    // Caught up, the cluster has every member: the lease bucket is made now, while an R3 stream can still be placed.
    SERVER_CAUGHT_UP: [{ guard: 'leaseHeld', actions: ['noteCaughtUp', 'releaseLease', 'prepareLease'] }, { actions: ['noteCaughtUp', 'prepareLease'] }],
    DATA_AT_RISK: { actions: { type: 'setError', params: ({ event }) => ({ message: `nats-server: ${event.message}`, source: 'dataAtRisk' }) } },
    // A line of a nats-server already gone says nothing of the next one (and its store watch is gone with it).
    STORE_FAILED: { guard: 'serverAlive', actions: 'noteStoreFault' },
    // A restart for the store goes the way of every change: validated, with the lease, once the cluster can spare it.
    STORE_HAS_ROOM: { guard: 'storeFaulted', actions: 'addCauses' },
    SHUTDOWN: { target: '.stopping', actions: 'recordShutdown' },
    // Wherever nats-server runs and its exit was not asked for (stopping and restarting expect it).
    SERVER_EXITED: { guard: 'serverAlive', target: '.backingOff', actions: ['recordCrash', 'releaseServer'] },
  },
  states: {
    waitingForConfig: {
      description: 'NATS_CONF is missing. Look again every second, give up after NATS_CONFIG_WAIT_SECONDS',
      initial: 'checking',
      after: { configWait: '.timedOut' },
      states: {
        checking: {
          invoke: {
            src: 'configExists',
            id: 'configExists',
            onDone: [{ guard: { type: 'configFound', params: ({ event }) => ({ found: event.output }) }, target: 'found' }, { target: 'sleeping' }],
            onError: { target: 'sleeping' },
          },
        },
        sleeping: { after: { configPoll: 'checking' } },
        found: finalState('ready'),
        timedOut: {
          ...finalState('failed'),
          entry: { type: 'fail', params: { code: EXIT.configInvalid, message: 'the server config (NATS_CONF) did not appear in time' } },
        },
      },
      onDone: [{ guard: endedIn('failed'), target: 'failed' }, { target: 'preparing' }],
    },
    preparing: {
      description: 'Validate before the first mirror. nats-server -t loads every JWT in the resolver dir, and an invalid config leaves that dir untouched',
      initial: 'validating',
      states: {
        validating: {
          invoke: {
            src: 'validateConfig',
            id: 'validateConfig',
            onDone: [
              { guard: { type: 'configValid', params: ({ event }) => ({ validation: event.output }) }, target: 'syncingJwt' },
              { target: 'invalid', actions: { type: 'fail', params: ({ event }) => ({ code: EXIT.configInvalid, message: event.output.message }) } },
            ],
            onError: { target: 'invalid', actions: { type: 'fail', params: ({ event }) => ({ code: EXIT.configInvalid, message: String(event.error) }) } },
          },
        },
        syncingJwt: {
          invoke: {
            src: 'syncJwt',
            id: 'syncJwt',
            input: { reason: 'startup', pushAsWritten: false },
            onDone: { target: 'synced', actions: mirrorWorked },
            onError: { target: 'synced', actions: mirrorFailed },
          },
        },
        synced: finalState('ready'),
        invalid: finalState('failed'),
      },
      onDone: [{ guard: endedIn('failed'), target: 'failed' }, { target: 'starting' }],
    },
    starting: {
      description: 'Spawn nats-server and wait until it is safe to signal',
      entry: ['noteSpawn', 'spawnServer'],
      on: { SERVER_SPAWNED: { actions: 'recordSpawn' } },
      after: {
        readyTimeout: { actions: { type: 'setError', params: { message: 'nats-server is not ready yet (still waiting)', source: 'notReady' } } },
      },
      invoke: {
        src: 'waitReady',
        id: 'waitReady',
        // A start ends the restart that asked for it, or owes the JWT work a crash left: concluding decides.
        onDone: { target: 'concluding', actions: [runsWhatItRead, { type: 'clearError', params: { sources: ['notReady'] } }] },
        onError: { target: 'stopping', actions: { type: 'fail', params: (args) => ({ code: EXIT.serverFailed, message: readinessFailed(args) }) } },
      },
    },
    running: {
      tags: ['serverReady'],
      initial: 'idle',
      states: {
        idle: {
          always: [
            { guard: 'causesPending', target: 'settling' },
            { guard: 'onlyReconcileOwed', target: 'decided' },
          ],
          on: onChange,
        },
        settling: {
          description: 'Collecting causes. Every change starts the quiet period (NATS_RELOAD_DEBOUNCE_MS) again',
          on: onChange,
          after: { debounce: 'checking' },
        },
        checking: {
          description: 'Events only say look again. The causes whose contents still differ from what was applied go on (when in doubt, all of them)',
          entry: 'takeCauses',
          invoke: {
            src: 'checkChanges',
            id: 'checkChanges',
            input: ({ context }) => ({ causes: context.activeCauses }),
            onDone: [
              {
                guard: { type: 'changesRemain', params: ({ event }) => ({ causes: event.output }) },
                target: 'decided',
                actions: [assign({ activeCauses: ({ event }) => event.output }), 'decideAction'],
              },
              // A look that finds nothing changed took no action.
              { target: 'idle', actions: 'finishAction' },
            ],
            onError: { target: 'decided', actions: 'decideAction' },
          },
        },
        decided: finalState('decided'),
      },
      onDone: [
        { guard: { type: 'actionIs', params: { action: 'syncOnly' } }, target: 'syncingJwt' },
        { guard: 'onlyReconcileOwed', target: 'concluding' },
        { target: 'applying' },
      ],
    },
    syncingJwt: {
      tags: ['serverReady'],
      description: 'Only JWTs changed. No validation and no signal follow, so claims are pushed as their files land',
      invoke: {
        src: 'syncJwt',
        id: 'syncJwt',
        input: { reason: 'change', pushAsWritten: true },
        onDone: { target: 'concluding', actions: mirrorWorked },
        onError: { target: 'concluding', actions: [...mirrorFailed, 'abandonJwt'] },
      },
    },
    applying: {
      tags: ['serverReady'],
      description: 'Mirror the JWTs if they changed, then validate. No signal ever follows a config nats-server would reject',
      initial: 'syncingJwt',
      states: {
        syncingJwt: {
          always: { guard: not('jwtInActiveCauses'), target: 'validating' },
          invoke: {
            src: 'syncJwt',
            id: 'syncJwt',
            input: { reason: 'change', pushAsWritten: false },
            onDone: { target: 'validating', actions: mirrorWorked },
            onError: { target: 'validating', actions: mirrorFailed },
          },
        },
        validating: {
          invoke: {
            src: 'validateConfig',
            id: 'validateConfig',
            onDone: [
              {
                guard: { type: 'configValid', params: ({ event }) => ({ validation: event.output }) },
                target: 'valid',
                actions: assign({ validatedDigest: ({ event }) => event.output.digest ?? null }),
              },
              { target: 'rejected', actions: rejectedBy },
            ],
            onError: { target: 'rejected', actions: rejectedOnError },
          },
        },
        valid: finalState('valid'),
        rejected: finalState('rejected'),
      },
      onDone: [
        { guard: endedIn('rejected'), target: 'concluding' },
        { guard: { type: 'actionIs', params: { action: 'restart' } }, target: 'restarting' },
        { target: 'reloading' },
      ],
    },
    reloading,
    restarting: {
      description:
        'Changed creds (leaf), a reload nats-server refused (leaf; server with NATS_ROLLING_RESTART), or a store with room again after a write error. ' +
        "With the cluster's restart lease and once the cluster can spare it, stop it (SIGINT, then SIGKILL) and start it again",
      initial: 'awaitingLease',
      on: {
        // The new nats-server reads every file itself: the action ends at its spawn, and concludes once it is ready.
        SERVER_EXITED: { target: 'starting', actions: ['releaseServer', 'recordRestartDone', 'finishAction'] },
      },
      states: {
        awaitingLease: {
          description: 'One member of a cluster restarts at a time: the lease is a JetStream KV entry, released once this member has caught up, or expired',
          entry: 'takeLease',
          on: { LEASE_TAKEN: { target: 'waitingToLeave', actions: 'noteLeaseTaken' }, LEASE_WAITING: { actions: 'noteLeaseWaiting' } },
        },
        waitingToLeave: {
          description:
            'A restart the supervisor decides waits, without limit, until no replicated stream or consumer would lose its quorum or last current replica',
          ...waitingToLeave('stoppingServer'),
        },
        stoppingServer: signalThenKill('SIGINT', 'killingServer'),
        killingServer: { entry: killServer },
      },
    },
    concluding: {
      description: 'Where every action ends, and every start once nats-server is ready: reconcile when JWTs changed or a start owes it, then back to running',
      initial: 'choosing',
      states: {
        choosing: { always: [{ guard: 'reconcileNext', target: 'reconciling' }, { target: 'done' }] },
        reconciling,
        done: finalState('concluded'),
      },
      onDone: { target: 'running', actions: 'finishAction' },
    },
    backingOff: {
      description: 'Unexpected exit. Wait 1 s doubling up to 30 s, then start again. 10 crashes in a row end it',
      always: { guard: 'tooManyCrashes', target: 'failed', actions: { type: 'setExitCode', params: { code: EXIT.serverFailed } } },
      after: { backoff: 'starting' },
    },
    stopping: {
      description:
        "Once the cluster can spare this member (NATS_LEAVE_TIMEOUT_SECONDS at most), NATS_SHUTDOWN's signal, then SIGKILL after NATS_STOP_TIMEOUT_SECONDS",
      initial: 'waitingToLeave',
      always: { guard: not('serverAlive'), target: 'stopped' },
      on: {
        SHUTDOWN: { actions: 'recordShutdown' },
        SERVER_EXITED: { target: 'stopped', actions: 'releaseServer' },
      },
      states: {
        waitingToLeave: {
          ...waitingToLeave('graceful'),
          after: { leaveTimeout: { target: 'graceful', actions: 'leaveUnspared' } },
        },
        graceful: signalThenKill('shutdown', 'killing'),
        killing: { entry: [killServer, { type: 'setExitCode', params: { code: EXIT.serverFailed } }] },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

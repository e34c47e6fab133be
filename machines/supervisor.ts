import { assign, not } from 'xstate';
import { initialContext } from './context.js';
import { EXIT } from './exit-codes.js';
import type { Validation } from './outputs.js';
import { supervisorSetup } from './supervisor-setup.js';

/** The supervisor statechart (docs/statechart.md; the rules it keeps: docs/contract.md). Pure: every effect is provided from src/. */

type ErrorEventArgs = { event: { type: string; error?: unknown } };

const mirrorFailed = [
  { type: 'setError', params: ({ event }: ErrorEventArgs) => ({ message: `JWT mirror failed: ${String(event.error)}` }) },
  'scheduleMirrorRetry',
] as const;

/** An effect of the reload failed outright: nothing was applied. */
const rejectedOnError = {
  type: 'recordReload',
  params: ({ event }: ErrorEventArgs) => ({ outcome: 'rejected' as const, at: null, error: String(event.error) }),
} as const;

const rejectedBy = (validation: Validation) => ({ outcome: 'rejected' as const, at: validation.at, error: validation.message });

/** A refusal that nothing applies says what would: a restart, one member at a time with NATS_ROLLING_RESTART. */
const refusedWithHint = (error: string | null): string | null =>
  error && `${error}; a restart would apply it (NATS_ROLLING_RESTART=on restarts one cluster member at a time)`;

const runsWhatItRead = { type: 'noteRunning' as const, params: { from: 'atSpawn' as const, causes: [] } };

/** A change while running: an atomic swap is looked at now, anything else (re)starts the quiet period. */
const onChange = {
  FS_CHANGED: [
    { guard: 'isImmediate', target: 'checking', actions: 'addCauses' },
    { target: 'settling', reenter: true, actions: 'addCauses' },
  ],
  RELOAD_REQUESTED: { target: 'settling', reenter: true, actions: 'addCauses' },
} as const;

/** Before nats-server stops: asked until no replicated stream or consumer would lose its quorum without it. */
function waitingToLeave(then: string) {
  return {
    invoke: {
      src: 'spareCheck', id: 'spareCheck',
      // A check that broke cannot say no: the member goes on, and says so.
      onError: { target: then, actions: { type: 'setError', params: ({ event }: ErrorEventArgs) => ({ message: `could not tell whether the cluster can spare this member: ${String(event.error)}` }) } },
    },
    on: { LEAVE_BLOCKED: { actions: 'noteLeaveBlocked' }, SPARED: then },
  } as const;
}

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
    FORWARD_SIGNAL: { actions: 'forwardSignal' },
    CATCHING_UP: { actions: 'noteCatchingUp' },
    SERVER_CAUGHT_UP: [{ guard: 'leaseHeld', actions: ['noteCaughtUp', 'releaseLease'] }, { actions: 'noteCaughtUp' }],
    DATA_AT_RISK: { actions: { type: 'setError', params: ({ event }) => ({ message: `nats-server: ${event.message}` }) } },
    SHUTDOWN: { target: '.stopping', actions: 'recordShutdown' },
    // Wherever nats-server runs and its exit was not asked for (stopping and restarting expect it).
    SERVER_EXITED: { guard: 'serverAlive', target: '.backingOff', actions: ['recordCrash', 'releaseServer'] },
  },
  states: {
    waitingForConfig: {
      description: 'NATS_CONF is missing. Look again every second, give up after NATS_CONFIG_WAIT_SECONDS',
      initial: 'checking',
      after: {
        configWait: {
          target: 'failed',
          actions: { type: 'fail', params: { code: EXIT.configInvalid, message: 'the server config (NATS_CONF) did not appear in time' } },
        },
      },
      states: {
        checking: {
          invoke: {
            src: 'configExists', id: 'configExists',
            onDone: [
              { guard: { type: 'configFound', params: ({ event }) => ({ found: event.output }) }, target: '#supervisor.preparing' },
              { target: 'sleeping' },
            ],
            onError: { target: 'sleeping' },
          },
        },
        sleeping: { after: { configPoll: 'checking' } },
      },
    },
    preparing: {
      description: 'Validate before the first mirror. nats-server -t loads every JWT in the resolver dir, and an invalid config leaves that dir untouched',
      initial: 'validating',
      states: {
        validating: {
          invoke: {
            src: 'validateConfig', id: 'validateConfig',
            onDone: [
              { guard: { type: 'configValid', params: ({ event }) => ({ validation: event.output }) }, target: 'syncingJwt' },
              {
                target: '#supervisor.failed',
                actions: { type: 'fail', params: ({ event }) => ({ code: EXIT.configInvalid, message: event.output.message }) },
              },
            ],
            onError: {
              target: '#supervisor.failed',
              actions: { type: 'fail', params: ({ event }) => ({ code: EXIT.configInvalid, message: String(event.error) }) },
            },
          },
        },
        syncingJwt: {
          invoke: {
            src: 'syncJwt', id: 'syncJwt',
            input: { reason: 'startup', pushAsWritten: false },
            onDone: { target: '#supervisor.starting' },
            onError: { target: '#supervisor.starting', actions: mirrorFailed },
          },
        },
      },
    },
    starting: {
      description: 'Spawn nats-server and wait until it is safe to signal',
      entry: ['noteSpawn', 'spawnServer'],
      on: { SERVER_SPAWNED: { actions: 'recordSpawn' } },
      after: {
        readyTimeout: { actions: { type: 'setError', params: { message: 'nats-server is not ready yet (still waiting)' } } },
      },
      invoke: {
        src: 'waitReady', id: 'waitReady',
        onDone: [
          { guard: 'reconcileDue', target: 'reconciling', actions: runsWhatItRead },
          { target: 'running', actions: runsWhatItRead },
        ],
        onError: {
          target: 'stopping',
          actions: { type: 'fail', params: ({ event }) => ({ code: EXIT.serverFailed, message: `readiness probe failed: ${String(event.error)}` }) },
        },
      },
    },
    running: {
      tags: ['serverReady'],
      initial: 'idle',
      states: {
        idle: { always: { guard: 'hasPendingCauses', target: 'settling' }, on: onChange },
        settling: {
          description: 'Collecting causes. Every change starts the quiet period (NATS_RELOAD_DEBOUNCE_MS) again',
          on: onChange,
          after: { debounce: 'checking' },
        },
        checking: {
          description: 'Events only say look again. The causes whose contents still differ from what was applied go on (when in doubt, all of them)',
          entry: 'takeCauses',
          invoke: {
            src: 'checkChanges', id: 'checkChanges',
            input: ({ context }) => ({ causes: context.activeCauses }),
            onDone: [
              {
                guard: { type: 'changesRemain', params: ({ event }) => ({ causes: event.output }) },
                target: 'deciding',
                actions: assign({ activeCauses: ({ event }) => event.output }),
              },
              { target: 'idle', actions: 'finishAction' },
            ],
            onError: { target: 'deciding' },
          },
        },
        deciding: {
          always: [{ guard: 'onlyJwtChanged', target: '#supervisor.syncingJwt' }, { target: '#supervisor.applying' }],
        },
      },
    },
    syncingJwt: {
      tags: ['serverReady'],
      description: 'Only JWTs changed. No validation and no signal follow, so claims are pushed as their files land',
      invoke: {
        src: 'syncJwt', id: 'syncJwt',
        input: { reason: 'change', pushAsWritten: true },
        onDone: { target: 'reconciling' },
        onError: { target: 'running', actions: [...mirrorFailed, 'finishAction'] },
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
            src: 'syncJwt', id: 'syncJwt',
            input: { reason: 'change', pushAsWritten: false },
            onDone: { target: 'validating' },
            onError: { target: 'validating', actions: mirrorFailed },
          },
        },
        validating: {
          invoke: {
            src: 'validateConfig', id: 'validateConfig',
            onDone: [
              {
                guard: { type: 'configValid', params: ({ event }) => ({ validation: event.output }) },
                target: 'validated',
                actions: assign({ validatedDigest: ({ event }) => event.output.digest ?? null }),
              },
              {
                guard: { type: 'validationDeferred', params: ({ event }) => ({ validation: event.output }) },
                target: '#supervisor.concluding',
                actions: [{ type: 'recordReload', params: ({ event }) => rejectedBy(event.output) }, 'scheduleApplyRetry'],
              },
              { target: '#supervisor.concluding', actions: { type: 'recordReload', params: ({ event }) => rejectedBy(event.output) } },
            ],
            onError: { target: '#supervisor.concluding', actions: rejectedOnError },
          },
        },
        validated: {
          always: [{ guard: 'isLeafRestartNeeded', target: '#supervisor.restarting' }, { target: '#supervisor.reloading' }],
        },
      },
    },
    reloading: {
      tags: ['serverReady'],
      description: 'SIGHUP, then wait until nats-server reports the reload applied or refused',
      initial: 'readingBaseline',
      states: {
        readingBaseline: {
          invoke: {
            src: 'reloadBaseline', id: 'reloadBaseline',
            onDone: { target: 'confirming', actions: assign({ baseline: ({ event }) => event.output }) },
            onError: { target: 'confirming', actions: assign({ baseline: null }) },
          },
        },
        confirming: {
          entry: { type: 'signalServer', params: { signal: 'SIGHUP' } },
          invoke: {
            src: 'confirmReload', id: 'confirmReload',
            input: ({ context }) => ({ baseline: context.baseline, digest: context.validatedDigest }),
            onDone: [
              // A leaf restart drops every client: only a refused reload of a leaf earns one.
              { guard: { type: 'refusalRestarts', params: ({ event }) => ({ confirmation: event.output }) }, target: '#supervisor.restarting', actions: assign({ refusal: ({ event }) => event.output.error }) },
              {
                target: '#supervisor.concluding',
                actions: [
                  { type: 'recordReload', params: ({ event }) => ({ outcome: event.output.outcome, at: event.output.at, error: refusedWithHint(event.output.error) }) },
                  { type: 'noteRunning', params: ({ context, event }) => ({ from: 'taken', causes: event.output.outcome === 'applied' ? context.activeCauses : [] }) },
                ],
              },
            ],
            onError: { target: '#supervisor.concluding', actions: rejectedOnError },
          },
        },
      },
      // Over the whole reload: a hung nats-server answers neither the baseline read nor the SIGHUP. A leaf
      // that logs to a file shows a refusal only this way (config_load_time never moves): it restarts.
      after: {
        confirmTimeout: [
          { guard: 'isLeafMode', target: 'restarting', actions: assign({ refusal: 'it was not confirmed in time' }) },
          {
            target: 'concluding',
            actions: { type: 'recordReload', params: { outcome: 'rejected', at: null, error: 'nats-server did not confirm the reload in time' } },
          },
        ],
      },
    },
    restarting: {
      description: 'Changed creds (leaf), or a reload nats-server refused (leaf; server with NATS_ROLLING_RESTART). With the cluster\'s restart lease and once the cluster can spare it, stop it (SIGINT, then SIGKILL) and start it again',
      initial: 'awaitingLease',
      on: {
        SERVER_EXITED: {
          target: 'starting',
          actions: ['releaseServer', 'recordRestartDone', 'finishAction'],
        },
      },
      states: {
        awaitingLease: {
          description: 'One member of a cluster restarts at a time: the lease is a JetStream KV entry, released once this member has caught up, or expired',
          entry: 'takeLease',
          on: { LEASE_TAKEN: { target: 'waitingToLeave', actions: 'noteLeaseTaken' }, LEASE_WAITING: { actions: 'noteLeaseWaiting' } },
        },
        waitingToLeave: {
          description: 'A restart the supervisor decides waits, without limit, until no replicated stream or consumer would lose its quorum or last current replica',
          ...waitingToLeave('stoppingServer'),
        },
        stoppingServer: {
          entry: ['clearLeaveBlocked', { type: 'signalServer', params: { signal: 'SIGINT' } }],
          after: { stopTimeout: 'killingServer' },
        },
        killingServer: { entry: { type: 'signalServer', params: { signal: 'SIGKILL' } } },
      },
    },
    concluding: {
      description: 'Where every action ends. Reconcile when JWTs changed, else back to running',
      always: [
        { guard: 'jwtInActiveCauses', target: 'reconciling' },
        { target: 'running', actions: 'finishAction' },
      ],
    },
    reconciling: {
      tags: ['serverReady'],
      description: 'Once nats-server is ready, purge what the rules allow and push the changed claims',
      initial: 'waitingReady',
      entry: assign({ reconcileDue: false }),
      states: {
        waitingReady: {
          invoke: {
            src: 'waitReady', id: 'waitReady',
            onDone: { target: 'working' },
            onError: {
              target: '#supervisor.running',
              actions: [{ type: 'setError', params: ({ event }) => ({ message: `readiness probe failed: ${String(event.error)}` }) }, 'finishAction'],
            },
          },
        },
        working: {
          invoke: {
            src: 'reconcile', id: 'reconcile',
            onDone: {
              target: '#supervisor.running',
              actions: [assign({ lastReconcile: ({ event }) => event.output }), { type: 'noteRunning', params: { from: 'taken', causes: ['jwt'] } }, 'finishAction'],
            },
            onError: {
              target: '#supervisor.running',
              actions: [{ type: 'setError', params: ({ event }) => ({ message: `reconcile failed: ${String(event.error)}` }) }, 'finishAction'],
            },
          },
        },
      },
    },
    backingOff: {
      description: 'Unexpected exit. Wait 1 s doubling up to 30 s, then start again. 10 crashes in a row end it',
      always: { guard: 'tooManyCrashes', target: 'failed', actions: { type: 'setExitCode', params: { code: EXIT.serverFailed } } },
      after: { backoff: 'starting' },
    },
    stopping: {
      description: 'Once the cluster can spare this member (NATS_LEAVE_TIMEOUT_SECONDS at most), NATS_SHUTDOWN\'s signal, then SIGKILL after NATS_STOP_TIMEOUT_SECONDS',
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
        graceful: { entry: ['clearLeaveBlocked', 'sendShutdownSignal'], after: { stopTimeout: 'killing' } },
        killing: {
          entry: [{ type: 'signalServer', params: { signal: 'SIGKILL' } }, { type: 'setExitCode', params: { code: EXIT.serverFailed } }],
        },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

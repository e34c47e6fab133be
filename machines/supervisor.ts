import { assign, not } from 'xstate';
import { supervisorSetup } from './supervisor-setup.js';
import { initialContext } from './context.js';

/** The supervisor statechart (design: shared/design/statechart.md). Pure: every effect is provided from src/. */
export const supervisorMachine = supervisorSetup.createMachine({
  id: 'supervisor',
  context: ({ input }) => initialContext(input),
  initial: 'waitingForConfig',
  output: ({ context }) => ({ exitCode: context.exitCode }),
  on: {
    FS_CHANGED: { actions: 'addCauses' },
    RELOAD_REQUESTED: { actions: 'addCauses' },
    FORWARD_SIGNAL: { actions: 'forwardSignal' },
    SHUTDOWN: { target: '.stopping' },
  },
  states: {
    waitingForConfig: {
      initial: 'checking',
      after: {
        configWait: {
          target: 'failed',
          actions: [
            { type: 'setExitCode', params: { code: 78 } },
            { type: 'setError', params: { message: 'the server config (NATS_CONF) did not appear in time' } },
          ],
        },
      },
      states: {
        checking: {
          invoke: {
            id: 'configExists',
            src: 'configExists',
            onDone: [
              { guard: { type: 'isTrue', params: ({ event }) => ({ value: event.output }) }, target: '#supervisor.preparing' },
              { target: 'sleeping' },
            ],
            onError: { target: 'sleeping' },
          },
        },
        sleeping: { after: { configPoll: 'checking' } },
      },
    },
    // Validate first: `nats-server -t` loads every JWT in the resolver dir (14 ms empty, ~130 ms with 1000),
    // and an invalid config then leaves the resolver dir untouched.
    preparing: {
      initial: 'validating',
      states: {
        validating: {
          invoke: {
            id: 'validateConfig',
            src: 'validateConfig',
            onDone: [
              { guard: { type: 'isTrue', params: ({ event }) => ({ value: event.output.valid }) }, target: 'syncingJwt' },
              {
                target: '#supervisor.failed',
                actions: [
                  { type: 'setExitCode', params: { code: 78 } },
                  { type: 'setError', params: ({ event }) => ({ message: event.output.message }) },
                ],
              },
            ],
            onError: {
              target: '#supervisor.failed',
              actions: [
                { type: 'setExitCode', params: { code: 78 } },
                { type: 'setError', params: ({ event }) => ({ message: String(event.error) }) },
              ],
            },
          },
        },
        syncingJwt: {
          invoke: {
            id: 'syncJwt',
            src: 'syncJwt',
            input: { reason: 'startup', pushAsWritten: false },
            onDone: { target: '#supervisor.starting' },
            onError: {
              target: '#supervisor.starting',
              actions: { type: 'setError', params: ({ event }) => ({ message: `JWT mirror failed: ${String(event.error)}` }) },
            },
          },
        },
      },
    },
    starting: {
      entry: 'spawnServer',
      on: {
        SERVER_SPAWNED: { actions: 'recordSpawn' },
        SERVER_EXITED: { target: 'backingOff', actions: ['recordCrash', 'releaseServer'] },
      },
      after: {
        readyTimeout: { actions: { type: 'setError', params: { message: 'nats-server is not ready yet (still waiting)' } } },
      },
      invoke: {
        id: 'waitReady',
        src: 'waitReady',
        onDone: [
          { guard: 'reconcileDue', target: 'reconciling' },
          { target: 'running' },
        ],
        onError: {
          target: 'stopping',
          actions: [
            { type: 'setExitCode', params: { code: 1 } },
            { type: 'setError', params: ({ event }) => ({ message: `readiness probe failed: ${String(event.error)}` }) },
          ],
        },
      },
    },
    running: {
      initial: 'idle',
      on: { SERVER_EXITED: { target: 'backingOff', actions: ['recordCrash', 'releaseServer'] } },
      states: {
        idle: {
          always: { guard: 'hasPendingCauses', target: 'settling' },
          on: {
            FS_CHANGED: [
              { guard: 'isImmediate', target: 'checking', actions: 'addCauses' },
              { target: 'settling', actions: 'addCauses' },
            ],
            RELOAD_REQUESTED: { target: 'settling', actions: 'addCauses' },
          },
        },
        settling: {
          on: {
            FS_CHANGED: [
              { guard: 'isImmediate', target: 'checking', actions: 'addCauses' },
              { target: 'settling', reenter: true, actions: 'addCauses' },
            ],
            RELOAD_REQUESTED: { target: 'settling', reenter: true, actions: 'addCauses' },
          },
          after: { debounce: 'checking' },
        },
        // Events only said "look again": the causes whose contents still differ from what was applied go on.
        checking: {
          entry: 'takeCauses',
          invoke: {
            id: 'checkChanges',
            src: 'checkChanges',
            input: ({ context }) => ({ causes: context.activeCauses }),
            onDone: [
              {
                guard: { type: 'isTrue', params: ({ event }) => ({ value: event.output.length > 0 }) },
                target: 'deciding',
                actions: assign({ activeCauses: ({ event }) => event.output }),
              },
              { target: 'idle', actions: 'finishAction' },
            ],
            // When in doubt, act on every cause: the config is validated before any signal anyway.
            onError: { target: 'deciding' },
          },
        },
        deciding: {
          always: [
            { guard: 'isLeafRestartNeeded', target: '#supervisor.restarting' },
            { guard: 'onlyJwtChanged', target: '#supervisor.syncingJwt' },
            { target: '#supervisor.reloading' },
          ],
        },
      },
    },
    syncingJwt: {
      on: { SERVER_EXITED: { target: 'backingOff', actions: ['recordCrash', 'releaseServer'] } },
      invoke: {
        id: 'syncJwt',
        src: 'syncJwt',
        // Only JWTs changed: the server is ready and no signal follows, so pushes may start as files land.
        input: { reason: 'change', pushAsWritten: true },
        onDone: { target: 'reconciling' },
        onError: {
          target: 'running',
          actions: [
            { type: 'setError', params: ({ event }) => ({ message: `JWT mirror failed: ${String(event.error)}` }) },
            'finishAction',
          ],
        },
      },
    },
    reloading: {
      initial: 'syncingJwt',
      on: { SERVER_EXITED: { target: 'backingOff', actions: ['recordCrash', 'releaseServer'] } },
      states: {
        syncingJwt: {
          always: { guard: not('jwtInActiveCauses'), target: 'validating' },
          invoke: {
            id: 'syncJwt',
            src: 'syncJwt',
            input: { reason: 'change', pushAsWritten: false },
            onDone: { target: 'validating' },
            onError: {
              target: 'validating',
              actions: { type: 'setError', params: ({ event }) => ({ message: `JWT mirror failed: ${String(event.error)}` }) },
            },
          },
        },
        validating: {
          invoke: {
            id: 'validateConfig',
            src: 'validateConfig',
            onDone: [
              { guard: { type: 'isTrue', params: ({ event }) => ({ value: event.output.valid }) }, target: 'readingBaseline' },
              {
                target: 'done',
                actions: {
                  type: 'recordReload',
                  params: ({ event }) => ({ outcome: 'rejected', at: event.output.at, error: event.output.message }),
                },
              },
            ],
            onError: {
              target: 'done',
              actions: { type: 'recordReload', params: ({ event }) => ({ outcome: 'rejected', at: null, error: String(event.error) }) },
            },
          },
        },
        readingBaseline: {
          invoke: {
            id: 'reloadBaseline',
            src: 'reloadBaseline',
            onDone: { target: 'confirming', actions: assign({ baseline: ({ event }) => event.output }) },
            onError: { target: 'confirming', actions: assign({ baseline: null }) },
          },
        },
        confirming: {
          entry: { type: 'signalServer', params: { signal: 'SIGHUP' } },
          invoke: {
            id: 'confirmReload',
            src: 'confirmReload',
            input: ({ context }) => ({ baseline: context.baseline }),
            onDone: {
              target: 'done',
              actions: {
                type: 'recordReload',
                params: ({ event }) => ({ outcome: event.output.outcome, at: event.output.at, error: event.output.error }),
              },
            },
            onError: {
              target: 'done',
              actions: { type: 'recordReload', params: ({ event }) => ({ outcome: 'rejected', at: null, error: String(event.error) }) },
            },
          },
          after: {
            confirmTimeout: {
              target: 'done',
              actions: {
                type: 'recordReload',
                params: { outcome: 'rejected', at: null, error: 'nats-server did not confirm the reload in time' },
              },
            },
          },
        },
        done: {
          always: [
            { guard: 'jwtInActiveCauses', target: '#supervisor.reconciling' },
            { target: '#supervisor.running', actions: 'finishAction' },
          ],
        },
      },
    },
    restarting: {
      initial: 'syncingJwt',
      on: { SERVER_EXITED: { target: 'backingOff', actions: ['recordCrash', 'releaseServer'] } },
      states: {
        syncingJwt: {
          always: { guard: not('jwtInActiveCauses'), target: 'validating' },
          invoke: {
            id: 'syncJwt',
            src: 'syncJwt',
            input: { reason: 'change', pushAsWritten: false },
            onDone: { target: 'validating' },
            onError: {
              target: 'validating',
              actions: { type: 'setError', params: ({ event }) => ({ message: `JWT mirror failed: ${String(event.error)}` }) },
            },
          },
        },
        validating: {
          invoke: {
            id: 'validateConfig',
            src: 'validateConfig',
            onDone: [
              { guard: { type: 'isTrue', params: ({ event }) => ({ value: event.output.valid }) }, target: 'stoppingServer' },
              {
                target: 'rejected',
                actions: {
                  type: 'recordReload',
                  params: ({ event }) => ({ outcome: 'rejected', at: event.output.at, error: event.output.message }),
                },
              },
            ],
            onError: {
              target: 'rejected',
              actions: { type: 'recordReload', params: ({ event }) => ({ outcome: 'rejected', at: null, error: String(event.error) }) },
            },
          },
        },
        rejected: {
          always: [
            { guard: 'jwtInActiveCauses', target: '#supervisor.reconciling' },
            { target: '#supervisor.running', actions: 'finishAction' },
          ],
        },
        stoppingServer: {
          entry: { type: 'signalServer', params: { signal: 'SIGINT' } },
          on: {
            SERVER_EXITED: {
              target: '#supervisor.starting',
              actions: ['releaseServer', 'recordRestartDone', { type: 'recordReload', params: { outcome: 'restarted', at: null, error: null } }, 'finishAction'],
            },
          },
          after: { stopTimeout: 'killingServer' },
        },
        killingServer: {
          entry: { type: 'signalServer', params: { signal: 'SIGKILL' } },
          on: {
            SERVER_EXITED: {
              target: '#supervisor.starting',
              actions: ['releaseServer', 'recordRestartDone', { type: 'recordReload', params: { outcome: 'restarted', at: null, error: null } }, 'finishAction'],
            },
          },
        },
      },
    },
    reconciling: {
      initial: 'waitingReady',
      entry: assign({ reconcileDue: false }),
      on: { SERVER_EXITED: { target: 'backingOff', actions: ['recordCrash', 'releaseServer'] } },
      states: {
        waitingReady: {
          invoke: {
            id: 'waitReady',
            src: 'waitReady',
            onDone: { target: 'working' },
            onError: {
              target: '#supervisor.running',
              actions: [{ type: 'setError', params: ({ event }) => ({ message: `readiness probe failed: ${String(event.error)}` }) }, 'finishAction'],
            },
          },
        },
        working: {
          invoke: {
            id: 'reconcile',
            src: 'reconcile',
            input: ({ context }) => ({ causes: context.activeCauses }),
            onDone: {
              target: '#supervisor.running',
              actions: [assign({ lastReconcile: ({ event }) => event.output }), 'finishAction'],
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
      always: {
        guard: 'tooManyCrashes',
        target: 'failed',
        actions: { type: 'setExitCode', params: { code: 1 } },
      },
      after: { backoff: 'starting' },
    },
    stopping: {
      initial: 'graceful',
      entry: 'sendShutdownSignal',
      always: { guard: not('serverAlive'), target: 'stopped' },
      on: {
        SHUTDOWN: {},
        SERVER_EXITED: { target: 'stopped', actions: 'releaseServer' },
      },
      states: {
        graceful: { after: { stopTimeout: 'killing' } },
        killing: {
          entry: [{ type: 'signalServer', params: { signal: 'SIGKILL' } }, { type: 'setExitCode', params: { code: 1 } }],
        },
      },
    },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

export type SupervisorMachine = typeof supervisorMachine;

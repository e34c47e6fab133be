import { assign, enqueueActions, fromCallback, fromPromise, not, setup, stopChild } from 'xstate';
import { addCauses, causesLeftAfterSpawn, decideAction, type Cause } from './causes.js';
import { initialContext, type SupervisorContext, type SupervisorInput } from './context.js';
import type { ServerCommand, ServerSignal, SupervisorEvent } from './events.js';
import type {
  JwtSyncReport, Ready, ReconcileReport, ReloadBaseline, ReloadConfirmation, ReloadOutcomeKind, Validation,
} from './outputs.js';
import { backoffMs, CRASH_RESET_UPTIME_MS, DEFAULT_DELAYS, MAX_CONSECUTIVE_CRASHES } from './timing.js';

function mustBeProvided(name: string): () => never {
  return () => {
    throw new Error(`supervisor: the effect "${name}" must be provided with machine.provide()`);
  };
}

const SHUTDOWN_SIGNAL = { term: 'SIGTERM', 'lame-duck': 'SIGUSR2' } as const satisfies Record<string, ServerSignal>;

type ReloadRecordParams = { outcome: ReloadOutcomeKind; at: string | null; error: string | null };
type ServerExit = Extract<SupervisorEvent, { type: 'SERVER_EXITED' }>;

function describeExit(event: ServerExit): string {
  if (event.error) return `nats-server could not run: ${event.error}`;
  return `nats-server exited unexpectedly (code ${String(event.code)}, signal ${String(event.signal)})`;
}

function causeOf(event: SupervisorEvent): Cause[] {
  if (event.type === 'FS_CHANGED') return [event.cause];
  if (event.type === 'RELOAD_REQUESTED') return ['signal'];
  return [];
}

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
    output: {} as { exitCode: number },
  },
  actors: {
    configExists: fromPromise<boolean>(mustBeProvided('configExists')),
    syncJwt: fromPromise<JwtSyncReport, { reason: 'startup' | 'change' }>(mustBeProvided('syncJwt')),
    validateConfig: fromPromise<Validation>(mustBeProvided('validateConfig')),
    serverProcess: fromCallback<ServerCommand>(mustBeProvided('serverProcess')),
    waitReady: fromPromise<Ready>(mustBeProvided('waitReady')),
    reloadBaseline: fromPromise<ReloadBaseline>(mustBeProvided('reloadBaseline')),
    confirmReload: fromPromise<ReloadConfirmation, { baseline: ReloadBaseline | null }>(mustBeProvided('confirmReload')),
    reconcile: fromPromise<ReconcileReport, { causes: Cause[] }>(mustBeProvided('reconcile')),
  },
  guards: {
    isTrue: (_, params: { value: boolean }) => params.value,
    hasPendingCauses: ({ context }) => context.pendingCauses.length > 0,
    isImmediate: ({ event }) => event.type === 'FS_CHANGED' && event.immediate === true,
    isLeafRestartNeeded: ({ context }) => decideAction(context.mode, context.pendingCauses) === 'restart',
    onlyJwtChanged: ({ context }) => decideAction(context.mode, context.pendingCauses) === 'syncOnly',
    jwtInActiveCauses: ({ context }) => context.activeCauses.includes('jwt'),
    reconcileDue: ({ context }) => context.reconcileDue,
    serverAlive: ({ context }) => context.server.alive,
    tooManyCrashes: ({ context }) => context.consecutiveCrashes >= MAX_CONSECUTIVE_CRASHES,
  },
  delays: {
    configPoll: DEFAULT_DELAYS.configPoll,
    configWait: DEFAULT_DELAYS.configWait,
    debounce: DEFAULT_DELAYS.debounce,
    stopTimeout: DEFAULT_DELAYS.stopTimeout,
    confirmTimeout: DEFAULT_DELAYS.confirmTimeout,
    readyTimeout: DEFAULT_DELAYS.readyTimeout,
    backoff: ({ context }) => backoffMs(context.consecutiveCrashes),
  },
  actions: {
    addCauses: assign({ pendingCauses: ({ context, event }) => addCauses(context.pendingCauses, causeOf(event)) }),
    takeCauses: assign({ activeCauses: ({ context }) => context.pendingCauses, pendingCauses: [] }),
    spawnServer: enqueueActions(({ enqueue, context }) => {
      enqueue.spawnChild('serverProcess', { id: 'server' });
      enqueue.assign({
        server: { ...context.server, alive: true, pid: null, startedAt: null },
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
      if (event.type !== 'FORWARD_SIGNAL' || !context.server.alive) return;
      enqueue.sendTo('server', { type: 'SIGNAL', signal: event.signal } satisfies ServerCommand);
    }),
    recordSpawn: assign({
      server: ({ context, event }) =>
        event.type === 'SERVER_SPAWNED' ? { ...context.server, pid: event.pid, startedAt: event.at } : context.server,
    }),
    releaseServer: enqueueActions(({ enqueue, context }) => {
      enqueue(stopChild('server'));
      enqueue.assign({ server: { ...context.server, alive: false, pid: null } });
    }),
    recordCrash: assign(({ context, event }) => {
      if (event.type !== 'SERVER_EXITED') return {};
      const healthyBefore = event.uptimeMs >= CRASH_RESET_UPTIME_MS;
      return {
        consecutiveCrashes: healthyBefore ? 1 : context.consecutiveCrashes + 1,
        server: { ...context.server, crashes: context.server.crashes + 1 },
        // Whatever the crashed action took is owed again; the next spawn keeps only what a start does not cover.
        pendingCauses: addCauses(context.pendingCauses, context.activeCauses),
        activeCauses: [],
        reconcileDue: true,
        lastError: describeExit(event),
      };
    }),
    recordReload: assign(({ context }, params: ReloadRecordParams) => ({
      lastReload: { at: params.at, causes: context.activeCauses, outcome: params.outcome, error: params.error },
      reloadCount: context.reloadCount + 1,
      lastError: params.error ?? context.lastError,
    })),
    recordRestartDone: assign(({ context }) => ({
      server: { ...context.server, restarts: context.server.restarts + 1 },
      reconcileDue: context.reconcileDue || context.activeCauses.includes('jwt'),
    })),
    finishAction: assign({ activeCauses: [] }),
    setError: assign({ lastError: (_, params: { message: string }) => params.message }),
    setExitCode: assign({ exitCode: (_, params: { code: number }) => params.code }),
  },
}).createMachine({
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
    preparing: {
      initial: 'syncingJwt',
      states: {
        syncingJwt: {
          invoke: {
            src: 'syncJwt',
            input: { reason: 'startup' },
            onDone: { target: 'validating' },
            onError: {
              target: 'validating',
              actions: { type: 'setError', params: ({ event }) => ({ message: `JWT mirror failed: ${String(event.error)}` }) },
            },
          },
        },
        validating: {
          invoke: {
            src: 'validateConfig',
            onDone: [
              { guard: { type: 'isTrue', params: ({ event }) => ({ value: event.output.valid }) }, target: '#supervisor.starting' },
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
              { guard: 'isImmediate', target: 'deciding', actions: 'addCauses' },
              { target: 'settling', actions: 'addCauses' },
            ],
            RELOAD_REQUESTED: { target: 'settling', actions: 'addCauses' },
          },
        },
        settling: {
          on: {
            FS_CHANGED: [
              { guard: 'isImmediate', target: 'deciding', actions: 'addCauses' },
              { target: 'settling', reenter: true, actions: 'addCauses' },
            ],
            RELOAD_REQUESTED: { target: 'settling', reenter: true, actions: 'addCauses' },
          },
          after: { debounce: 'deciding' },
        },
        deciding: {
          always: [
            { guard: 'isLeafRestartNeeded', target: '#supervisor.restarting', actions: 'takeCauses' },
            { guard: 'onlyJwtChanged', target: '#supervisor.syncingJwt', actions: 'takeCauses' },
            { target: '#supervisor.reloading', actions: 'takeCauses' },
          ],
        },
      },
    },
    syncingJwt: {
      on: { SERVER_EXITED: { target: 'backingOff', actions: ['recordCrash', 'releaseServer'] } },
      invoke: {
        src: 'syncJwt',
        input: { reason: 'change' },
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
            src: 'syncJwt',
            input: { reason: 'change' },
            onDone: { target: 'validating' },
            onError: {
              target: 'validating',
              actions: { type: 'setError', params: ({ event }) => ({ message: `JWT mirror failed: ${String(event.error)}` }) },
            },
          },
        },
        validating: {
          invoke: {
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
            src: 'reloadBaseline',
            onDone: { target: 'confirming', actions: assign({ baseline: ({ event }) => event.output }) },
            onError: { target: 'confirming', actions: assign({ baseline: null }) },
          },
        },
        confirming: {
          entry: { type: 'signalServer', params: { signal: 'SIGHUP' } },
          invoke: {
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
            src: 'syncJwt',
            input: { reason: 'change' },
            onDone: { target: 'validating' },
            onError: {
              target: 'validating',
              actions: { type: 'setError', params: ({ event }) => ({ message: `JWT mirror failed: ${String(event.error)}` }) },
            },
          },
        },
        validating: {
          invoke: {
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

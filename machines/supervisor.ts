import { initialContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { cleared, collectsCauses, endedIn, failed, finalState, mirrorFailed, validationOf } from './fragments.js';
import { lifecycle } from './lifecycle.js';
import { lease, readiness, server } from './member.js';
import { restart } from './restart.js';
import { purge } from './purge.js';
import { supervisorSetup } from './member-actions.js';

const beforeServer = { ...collectsCauses, SHUTDOWN: { target: 'stopped', actions: 'recordShutdown' } } as const;
const invalid = { type: 'fail', params: validationOf } as const;

/**
 * The supervisor statechart (docs/statechart.md; the rules it keeps: docs/contract.md). Pure: every effect is
 * provided from src/. Each compound state ends in a final child whose key its onDone routes on. Once the config
 * is in hand, `supervising` runs the lifecycle beside the regions that say what is true of the member.
 */
export const supervisorMachine = supervisorSetup.createMachine({
  id: 'supervisor',
  context: ({ input }) => initialContext(input),
  initial: 'waitingForConfig',
  output: ({ context }) => ({ exitCode: context.exitCode }),
  states: {
    waitingForConfig: {
      description: 'NATS_CONF is missing. Look again every second, give up after NATS_CONFIG_WAIT_SECONDS',
      initial: 'checking',
      after: { configWait: '.timedOut' },
      on: beforeServer,
      states: {
        checking: {
          invoke: {
            src: 'configExists',
            id: 'configExists',
            onDone: [
              { guard: { type: 'configFound', params: ({ event }) => event }, target: 'found' },
              { target: 'sleeping' },
            ],
            onError: 'sleeping',
          },
        },
        sleeping: { after: { configPoll: 'checking' } },
        found: finalState('found'),
        timedOut: { ...finalState('timedOut'), entry: 'failConfigWait' },
      },
      onDone: [{ guard: endedIn('timedOut'), target: 'failed' }, { target: 'preparing' }],
    },
    preparing: {
      description:
        'Validate before the first mirror: nats-server -t loads every JWT in the resolver dir, and an invalid ' +
        'config leaves that dir untouched. The first valid config decides whether this is a cluster member',
      initial: 'firstValidation',
      on: beforeServer,
      states: {
        firstValidation: {
          invoke: {
            src: 'validateConfig',
            id: 'validateConfig',
            onDone: [
              {
                guard: { type: 'configValid', params: validationOf },
                target: 'firstMirror',
                actions: { type: 'decideClustered', params: validationOf },
              },
              { target: 'invalid', actions: invalid },
            ],
            onError: {
              target: 'invalid',
              actions: failed('the config could not be validated', undefined, EXIT.configInvalid),
            },
          },
        },
        firstMirror: {
          invoke: {
            src: 'syncJwt',
            id: 'syncJwt',
            input: { reason: 'startup', pushAsWritten: false },
            onDone: { target: 'prepared', actions: cleared('mirror') },
            onError: { target: 'prepared', actions: mirrorFailed },
          },
        },
        prepared: finalState('prepared'),
        invalid: finalState('invalid'),
      },
      onDone: [{ guard: endedIn('invalid'), target: 'failed' }, { target: 'supervising' }],
    },
    supervising: { type: 'parallel', states: { lifecycle, restart, purge, server, lease, readiness } },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

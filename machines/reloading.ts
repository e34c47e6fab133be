import { endedIn, finalState, rejectedOnError } from './fragments.js';
import type { SupervisorContext } from './context.js';
import type { ReloadConfirmation } from './outputs.js';

type Confirmed = { event: { output: ReloadConfirmation } };

/**
 * `reloading`: SIGHUP, then wait until nats-server reports the reload applied or refused (docs/contract.md: What
 * happens on a change, step 5). It ends in `concluded`, or in `restart` when a refusal earns one.
 */
export const reloading = {
  tags: ['serverReady'],
  description: 'SIGHUP, then wait until nats-server reports the reload applied or refused',
  initial: 'readingBaseline',
  // Over the whole reload: a hung nats-server answers neither the baseline read nor the SIGHUP.
  after: { confirmTimeout: '.unconfirmed' },
  states: {
    readingBaseline: {
      invoke: {
        src: 'reloadBaseline',
        id: 'reloadBaseline',
        onDone: { target: 'confirming', actions: 'keepBaseline' },
        onError: { target: 'confirming', actions: 'forgetBaseline' },
      },
    },
    confirming: {
      entry: { type: 'signalServer', params: { signal: 'SIGHUP' } },
      invoke: {
        src: 'confirmReload',
        id: 'confirmReload',
        input: ({ context }: { context: SupervisorContext }) => ({
          baseline: context.baseline,
          digest: context.validatedDigest,
        }),
        onDone: [
          // A leaf restart drops every client: only a refused reload of a leaf earns one.
          {
            guard: { type: 'refusalRestarts', params: ({ event }: Confirmed) => ({ confirmation: event.output }) },
            target: 'restart',
            actions: 'noteRefusal',
          },
          {
            target: 'concluded',
            actions: [
              'recordConfirmation',
              // What an applied reload took runs now.
              {
                type: 'noteRunning',
                params: ({ context, event }: Confirmed & { context: SupervisorContext }) => ({
                  from: 'taken' as const,
                  causes: event.output.outcome === 'applied' ? context.activeCauses : [],
                }),
              },
            ],
          },
        ],
        onError: { target: 'concluded', actions: rejectedOnError },
      },
    },
    // A leaf that logs to a file shows a refusal only this way (config_load_time never moves): it restarts.
    unconfirmed: {
      always: [
        { guard: 'leafMode', target: 'restart', actions: { type: 'noteRefusal', params: { refusal: 'it was not confirmed in time' } } },
        {
          target: 'concluded',
          actions: { type: 'recordReload', params: { outcome: 'rejected', at: null, error: 'nats-server did not confirm the reload in time' } },
        },
      ],
    },
    restart: finalState('restart'),
    concluded: finalState('concluded'),
  },
  onDone: [{ guard: endedIn('restart'), target: 'restarting' }, { target: 'concluding' }],
} as const;

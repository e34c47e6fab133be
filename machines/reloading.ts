import type { SupervisorContext } from './context.js';
import { endedIn, finalState, rejectedOnError } from './fragments.js';
import type { ReloadBaseline, ReloadConfirmation } from './outputs.js';

type Confirmed = { event: { output: ReloadConfirmation } };
const confirmationOf = ({ event }: Confirmed) => ({ confirmation: event.output });
const notConfirmed = 'nats-server did not confirm the reload in time';
/** What an applied reload took runs now. */
const took = ({ context, event }: Confirmed & { context: SupervisorContext }) => ({
  from: 'taken' as const,
  causes: event.output.outcome === 'applied' ? context.activeCauses : [],
});

/**
 * `reloading`: SIGHUP, then wait until nats-server reports the reload applied or refused (docs/contract.md: What
 * happens on a change, step 5). It ends in `reloaded`, or in `refused` when a refusal earns a restart, which the
 * restart region waits for while the lifecycle goes on.
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
        onDone: {
          target: 'confirming',
          actions: {
            type: 'keepBaseline',
            params: ({ event }: { event: { output: ReloadBaseline } }) => ({ baseline: event.output }),
          },
        },
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
            guard: { type: 'refusalRestarts', params: confirmationOf },
            target: 'refused',
            actions: { type: 'noteRefusal', params: ({ event }: Confirmed) => ({ refusal: event.output.error }) },
          },
          {
            target: 'reloaded',
            actions: [
              { type: 'recordConfirmation', params: confirmationOf },
              { type: 'noteRunning', params: took },
              { type: 'dropRefusedRestart', params: confirmationOf },
            ],
          },
        ],
        onError: { target: 'reloaded', actions: rejectedOnError },
      },
    },
    // A leaf that logs to a file shows a refusal only this way (config_load_time never moves): it restarts.
    unconfirmed: {
      always: [
        {
          guard: 'leafMode',
          target: 'refused',
          actions: { type: 'noteRefusal', params: { refusal: 'it was not confirmed in time' } },
        },
        {
          target: 'reloaded',
          actions: { type: 'recordReload', params: { outcome: 'rejected', at: null, error: notConfirmed } },
        },
      ],
    },
    refused: finalState('refused'),
    reloaded: finalState('reloaded'),
  },
  onDone: [{ guard: endedIn('refused'), target: 'concluding', actions: 'wantRestart' }, { target: 'concluding' }],
} as const;

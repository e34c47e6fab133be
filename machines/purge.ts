import { not } from 'xstate';

/**
 * A purge acts on every member of a cluster, so an account that left this member's mount keeps its data while
 * another member's mount holds it, or a member does not say (docs/operator-mode.md: A purge the cluster agrees
 * to). The last reconcile says which wait; while some do, a reconcile is owed again after 5 s, then longer.
 */
export const purge = {
  initial: 'settled',
  states: {
    settled: { entry: 'forgetPurgeAsks', always: { guard: 'purgeAwaitsCluster', target: 'awaitingCluster' } },
    awaitingCluster: {
      description: "An account left this mount, not yet every member's: its data stays until they agree",
      entry: 'countPurgeAsk',
      always: { guard: not('purgeAwaitsCluster'), target: 'settled' },
      after: { purgeAskAgain: { target: 'awaitingCluster', reenter: true, actions: 'oweReconcile' } },
    },
  },
} as const;

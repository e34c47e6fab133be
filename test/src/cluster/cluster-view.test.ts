import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterView } from '../../../src/cluster/cluster-view.js';

const NOW = new Date('2026-12-05T00:00:00Z');

describe("this member's view of its cluster", () => {
  it('when it leads the meta layer and a stream with a replica behind then the peers, the group at risk and why it may not leave are named', () => {
    const view = clusterView(
      {
        meta_cluster: {
          leader: 'n1',
          cluster_size: 3,
          replicas: [
            { name: 'n2', current: true },
            { name: 'n3', current: false, lag: 12 },
          ],
        },
        account_details: [
          {
            stream_detail: [
              {
                name: 'MEM',
                config: { num_replicas: 3 },
                cluster: {
                  leader: 'n1',
                  replicas: [
                    { name: 'n2', current: true },
                    { name: 'n3', current: false },
                  ],
                },
              },
              {
                name: 'FILE',
                config: { num_replicas: 3 },
                cluster: {
                  leader: 'n2',
                  replicas: [
                    { name: 'n2', current: true },
                    { name: 'n3', current: false },
                  ],
                },
              },
            ],
          },
        ],
      },
      'n1',
      'C1',
      NOW,
    );
    assert.deepEqual(view, {
      name: 'C1',
      metaLeader: 'n1',
      peers: [
        { name: 'n2', current: true, offline: false, lag: null },
        { name: 'n3', current: false, offline: false, lag: 12 },
      ],
      atRisk: ['stream MEM: n3 not current'],
      safeToLeave: false,
      leaveBlockers: [
        'the JetStream meta layer (led here) would keep 1 current replica without this member; it needs 2',
        'stream MEM (led here) would keep 1 current replica without this member; it needs 2',
      ],
      at: NOW.toISOString(),
    });
  });

  it('when a stream has no leader then it is at risk, and with every group sound the member may leave', () => {
    const leaderless = clusterView(
      { account_details: [{ stream_detail: [{ name: 'MEM', config: { num_replicas: 3 }, cluster: { replicas: [] } }] }] },
      'n1',
      null,
      NOW,
    );
    assert.deepEqual(leaderless.atRisk, ['stream MEM: no leader']);
    assert.equal(leaderless.metaLeader, null);
    const sound = clusterView({ meta_cluster: { leader: 'n2', cluster_size: 3, replicas: [] } }, 'n1', 'C1', NOW);
    assert.deepEqual([sound.safeToLeave, sound.atRisk], [true, []]);
  });
});

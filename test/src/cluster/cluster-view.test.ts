import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterView } from '../../../src/cluster/cluster-view.js';

const NOW = new Date('2026-12-05T00:00:00Z');

describe("this member's view of its cluster", () => {
  it("when /varz carries the meta layer then the cluster's name, its leader and each peer's state are read from it", () => {
    const view = clusterView(
      {
        cluster: { name: 'C1' },
        jetstream: {
          meta: {
            name: 'C1',
            leader: 'n1',
            replicas: [
              { name: 'n2', current: true },
              { name: 'n3', current: false, lag: 12 },
              { name: 'n4', current: false, offline: true },
            ],
          },
        },
      },
      NOW,
    );
    assert.deepEqual(view, {
      name: 'C1',
      metaLeader: 'n1',
      peers: [
        { name: 'n2', current: true, offline: false, lag: null },
        { name: 'n3', current: false, offline: false, lag: 12 },
        { name: 'n4', current: false, offline: true, lag: null },
      ],
      at: NOW.toISOString(),
    });
  });

  it('when no meta leader is known, or JetStream is off, then the view says so and names no peer', () => {
    assert.deepEqual(clusterView({ cluster: { name: 'C1' }, jetstream: { meta: { leader: '' } } }, NOW), {
      name: 'C1',
      metaLeader: null,
      peers: [],
      at: NOW.toISOString(),
    });
    assert.deepEqual(clusterView({}, NOW), { name: null, metaLeader: null, peers: [], at: NOW.toISOString() });
  });
});

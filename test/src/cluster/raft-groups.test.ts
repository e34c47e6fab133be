import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountsWithReplicatedStreams, consumerGroupsOf, offlineByName, type Raftz } from '../../../src/cluster/raft-groups.js';
import { leaveBlockers } from '../../../src/cluster/spare-rule.js';

/** n1's /raftz for account APP: one consumer group it leads, one it follows, and a stream group. */
const raftz = (lead: Record<string, unknown>, follow: Record<string, unknown> = {}): Raftz => ({
  APP: {
    'C-R3F-led': { id: 'p1', size: 3, applied: 7, leader: 'p1', peers: lead } as never,
    'C-R3F-followed': {
      id: 'p1',
      size: 3,
      applied: 7,
      leader: 'p2',
      peers: { p2: { name: 'n2', last_seen: '300ms' }, p3: { name: 'n3' }, ...follow },
    } as never,
    'S-R3F-stream': { id: 'p1', size: 3, applied: 7, leader: '', peers: {} },
  },
});
const upToDate = { p2: { name: 'n2', last_replicated_index: 7, last_seen: '412.5ms' }, p3: { name: 'n3', last_replicated_index: 7, last_seen: '1.2s' } };
const allOnline = offlineByName({ meta_cluster: { replicas: [{ name: 'n2' }, { name: 'n3' }] } });
const reasons = (r: Raftz, offline = allOnline) => leaveBlockers({}, 'n1', consumerGroupsOf(r, 'n1', offline)).map((b) => b.reason);

describe('consumer groups as /raftz shows them to the spare rule (n1)', () => {
  it('when every other replica of a group it leads holds all it applied and was heard lately then it may leave', () => {
    assert.deepEqual(reasons(raftz(upToDate)), []);
  });

  it('when a replica is behind, unheard for more than 10 s, or never heard then it is not current, as /jsz would say', () => {
    const behind = { ...upToDate, p3: { name: 'n3', last_replicated_index: 6, last_seen: '100ms' } };
    const silent = { ...upToDate, p3: { name: 'n3', last_replicated_index: 7, last_seen: '10.5s' } };
    const never = { ...upToDate, p3: { name: 'n3' } };
    for (const peers of [behind, silent, never]) {
      assert.deepEqual(reasons(raftz(peers)), [
        'consumer group C-R3F-led (account APP) (led here) would keep 1 current replica without this member; it needs 2',
      ]);
    }
  });

  it('when a group it follows has a replica the meta group calls offline, or one it cannot name, then it may not', () => {
    const n3Offline = offlineByName({ meta_cluster: { replicas: [{ name: 'n2' }, { name: 'n3', offline: true }] } });
    assert.deepEqual(reasons(raftz(upToDate), n3Offline), [
      'consumer group C-R3F-led (account APP) (led here) would keep 1 current replica without this member; it needs 2; offline: n3',
      'consumer group C-R3F-followed (account APP) has replicas offline (n3)',
    ]);
    assert.deepEqual(
      reasons(raftz(upToDate), offlineByName({ meta_cluster: { replicas: [{ name: 'n2' }] } }))[1],
      'consumer group C-R3F-followed (account APP) has replicas offline (n3)',
    );
  });

  it('when a consumer group has no leader then it may not; a stream group in /raftz is left to /jsz', () => {
    const leaderless: Raftz = { APP: { 'C-R3F-x': { id: 'p1', size: 3, peers: upToDate } } };
    assert.deepEqual(reasons(leaderless), ['consumer group C-R3F-x (account APP) has no leader']);
  });

  it('asks /raftz only for the accounts holding a replicated stream, by the name nats-server keys', () => {
    const jsz = {
      account_details: [
        { name: 'tagged', id: 'AKEY', stream_detail: [{ name: 'R3', cluster: { leader: 'n1', replicas: [{ name: 'n2' }] } }] },
        { name: 'R1ONLY', id: 'R1ONLY', stream_detail: [{ name: 'R1', cluster: { leader: 'n1' } }] },
      ],
    };
    assert.deepEqual(accountsWithReplicatedStreams(jsz), ['AKEY']);
  });
});

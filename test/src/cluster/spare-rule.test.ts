import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goneOnly, leaveBlockers as blockers, type Jsz } from '../../../src/cluster/spare-rule.js';

/** The reasons alone, as the operator reads them. */
const leaveBlockers = (doc: Jsz, self: string): string[] => blockers(doc, self).map((b) => b.reason);

const replica = (name: string, current: boolean, offline = false) => ({ name, current, offline });
const meta = (leader: string, replicas = [replica('n2', true), replica('n3', true)]) => ({ leader, cluster_size: 3, replicas });
const stream = (name: string, leader: string, replicas: ReturnType<typeof replica>[]) => ({
  name,
  cluster: { leader, replicas },
  consumer_detail: [] as unknown[],
});
const jsz = (...streams: ReturnType<typeof stream>[]): Jsz => ({
  meta_cluster: meta('n2'),
  account_details: [{ name: 'APP', stream_detail: streams as never }],
});

describe('whether the cluster can spare this member (n1)', () => {
  it('when it leads a stream whose other replicas are both current then it may leave', () => {
    assert.deepEqual(leaveBlockers(jsz(stream('FILE', 'n1', [replica('n2', true), replica('n3', true)])), 'n1'), []);
  });

  it('when it leads a stream one of whose other replicas is not current then it may not, and says which and why', () => {
    assert.deepEqual(leaveBlockers(jsz(stream('MEM', 'n1', [replica('n2', true), replica('n3', false)])), 'n1'), [
      'stream MEM (led here) would keep 1 current replica without this member; it needs 2',
    ]);
  });

  it('when it follows a stream with a leader elsewhere then it may leave, whatever it knows of the other follower', () => {
    assert.deepEqual(leaveBlockers(jsz(stream('MEM', 'n2', [replica('n2', true), replica('n3', false)])), 'n1'), []);
  });

  it('when a stream it hosts has no leader, or another replica is offline, then it may not', () => {
    assert.deepEqual(leaveBlockers(jsz(stream('MEM', '', [replica('n2', false), replica('n3', false)])), 'n1'), ['stream MEM has no leader']);
    assert.deepEqual(leaveBlockers(jsz(stream('MEM', 'n2', [replica('n2', true), replica('n3', false, true)])), 'n1'), [
      'stream MEM has replicas offline (n3)',
    ]);
  });

  it('when it leads the meta layer or a consumer that cannot spare it then those count too', () => {
    const doc: Jsz = {
      meta_cluster: meta('n1', [replica('n2', true), replica('n3', false)]),
      account_details: [
        {
          stream_detail: [
            {
              ...stream('FILE', 'n2', [replica('n2', true), replica('n3', true)]),
              consumer_detail: [{ name: 'C', cluster: { leader: 'n1', replicas: [replica('n2', false), replica('n3', false)] } }],
            },
          ],
        } as never,
      ] as never,
    };
    assert.deepEqual(leaveBlockers(doc, 'n1'), [
      'the JetStream meta layer (led here) would keep 1 current replica without this member; it needs 2',
      'consumer FILE > C (led here) would keep 0 current replicas without this member; it needs 2',
    ]);
  });

  it('when a stream has one replica, JetStream is disabled or the server is standalone then nothing holds it', () => {
    assert.deepEqual(leaveBlockers({ account_details: [{ stream_detail: [{ name: 'R1', cluster: { leader: 'n1' } }] }] }, 'n1'), []);
    assert.deepEqual(leaveBlockers({ disabled: true, meta_cluster: meta('') }, 'n1'), []);
    assert.deepEqual(leaveBlockers({}, 'n1'), []);
  });

  it('when every group that needs it waits only on members that are offline then those are named as gone', () => {
    const drained = jsz(
      stream('MEM', 'n1', [replica('n2', true), replica('n3', false, true)]),
      stream('FILE', 'n2', [replica('n2', true), replica('n3', false, true)]),
    );
    const found = blockers(drained, 'n1');
    assert.deepEqual(
      found.map((b) => b.reason),
      ['stream MEM (led here) would keep 1 current replica without this member; it needs 2; offline: n3', 'stream FILE has replicas offline (n3)'],
    );
    assert.deepEqual(goneOnly(found), ['n3']);
  });

  it('when one group waits on a member that is up but behind (catching up) then nobody counts as gone', () => {
    const catching = jsz(
      stream('MEM', 'n1', [replica('n2', false), replica('n3', false, true)]),
      stream('FILE', 'n2', [replica('n2', true), replica('n3', false, true)]),
    );
    assert.deepEqual(goneOnly(blockers(catching, 'n1')), []);
    assert.deepEqual(goneOnly([]), []);
  });
});

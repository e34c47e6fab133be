import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heldOf, purgeWaits, type Ask } from '../../../src/cluster/purge-agreement.js';

const A = 'A'.repeat(56);
const B = 'B'.repeat(56);
const asked = (accounts: unknown) => new TextEncoder().encode(JSON.stringify({ accounts }));

/** Members' answers by subject; a missing one is a member that does not answer. */
function answering(answers: Record<string, unknown>): Ask {
  return async (subject) => {
    const member = subject.split('.')[1]!;
    if (!(member in answers)) throw new Error('TIMEOUT');
    return answers[member];
  };
}

describe('a purge the cluster agrees to: the rule', () => {
  it('when asked, a member answers which of the accounts its mount holds, or why it cannot tell', () => {
    assert.deepEqual(heldOf({ accounts: new Set([A]) }, asked([A, B, 7])), { held: [A] });
    assert.deepEqual(heldOf({ unknown: 'the mount does not exist' }, asked([A])), { unknown: 'the mount does not exist' });
    assert.throws(() => heldOf({ accounts: new Set() }, new TextEncoder().encode('not json')), /send \{"accounts"/);
  });

  it('when every other member lets the accounts go then none waits', async () => {
    const waits = await purgeWaits(answering({ n2: { held: [] }, n3: { held: [] } }), new Set(['n1', 'n2', 'n3']), 'n1', [A, B]);
    assert.equal(waits.size, 0);
  });

  it("when one member's mount still holds an account then that account waits, naming the member, and the other does not", async () => {
    const waits = await purgeWaits(answering({ n2: { held: [A] }, n3: { held: [] } }), new Set(['n1', 'n2', 'n3']), 'n1', [A, B]);
    assert.deepEqual([...waits], [[A, ["n2's mount still holds it"]]]);
  });

  it('when a member does not answer, cannot tell, or says something else, then every account waits', async () => {
    const members = new Set(['n1', 'n2', 'n3', 'n4']);
    const waits = await purgeWaits(answering({ n3: { unknown: 'the mount is being read' }, n4: 'garbage' }), members, 'n1', [A]);
    const reasons = waits.get(A)!;
    assert.equal(reasons.length, 3);
    assert.match(reasons[0]!, /^n2: no answer/);
    assert.equal(reasons[1], 'n3: the mount is being read');
    assert.match(reasons[2]!, /^n4: no answer/);
  });

  it('when the members cannot be told then every account waits', async () => {
    const waits = await purgeWaits(answering({}), null, 'n1', [A, B]);
    assert.deepEqual([...waits.keys()], [A, B]);
    assert.match(waits.get(A)![0]!, /members cannot be told/);
  });
});

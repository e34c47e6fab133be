import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAtomicSwap, isKubernetesStaging } from '../../../src/watch/atomic-writer.js';

const ev = (p: string) => ({ path: p, type: 'create' as const });

describe('the events of a Kubernetes AtomicWriter update', () => {
  it('when ..data is among the events then the swap landed: the new version is complete', () => {
    assert.equal(isAtomicSwap([ev('/m/..2026_12_05_12.1'), ev('/m/..data')]), true);
    assert.equal(isAtomicSwap([ev('/m/server.conf')]), false);
  });

  it('when an event is inside a ..<timestamp> dir or ..data_tmp then it is staging, not a change', () => {
    assert.equal(isKubernetesStaging('/m', ev('/m/..2026_12_05_12.1/server.conf')), true);
    assert.equal(isKubernetesStaging('/m', ev('/m/..data_tmp')), true);
    assert.equal(isKubernetesStaging('/m', ev('/m/..data')), false);
    assert.equal(isKubernetesStaging('/m', ev('/m/server.conf')), false);
  });
});

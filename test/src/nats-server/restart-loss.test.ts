import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lossOf } from '../../../src/nats-server/restart-loss.js';

const stream = (name: string, storage: string, messages: number, num_replicas?: number) => ({
  name,
  config: { storage, ...(num_replicas ? { num_replicas } : {}) },
  state: { messages },
});

describe('what a restart of nats-server would lose', () => {
  it('when R1 memory streams hold messages then each is named with its account and count', () => {
    const jsz = { account_details: [{ name: 'APP', stream_detail: [stream('MEM', 'memory', 50), stream('FILE', 'file', 9), stream('EMPTY', 'memory', 0)] }] };
    assert.equal(lossOf(jsz), 'the messages of its R1 memory streams: APP > MEM (50 messages)');
  });

  it('when the memory streams are replicated or file streams then nothing is lost', () => {
    const jsz = { account_details: [{ name: 'APP', stream_detail: [stream('MEM3', 'memory', 50, 3), stream('FILE', 'file', 9)] }] };
    assert.equal(lossOf(jsz), null);
  });

  it('when JetStream is already disabled then nothing is left to lose', () => {
    assert.equal(lossOf({ disabled: true, account_details: [{ name: 'APP', stream_detail: [stream('MEM', 'memory', 50)] }] }), null);
  });
});

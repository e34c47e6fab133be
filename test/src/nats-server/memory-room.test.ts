import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goMemLimit } from '../../../src/nats-server/memory-limit.js';
import { memoryRoom, MIN_CONTAINER_BYTES } from '../../../src/nats-server/memory-room.js';

const MIB = 1024 * 1024;
const supervisorBytes = 60 * MIB;
const inContainer = (containerMib: number, env?: string) =>
  memoryRoom(goMemLimit({ env, percent: 80, containerBytes: containerMib * MIB, supervisorBytes }), 80);
const unlimited = (env?: string) => memoryRoom(goMemLimit({ env, percent: 80, containerBytes: null, supervisorBytes }), 80);

describe("the container's room for nats-server beside the supervisor", () => {
  it('when the limit is below the smallest the image serves in then it is too small, with the figures', () => {
    const room = inContainer(40);
    assert.match(room.tooSmall ?? '', /the container's limit is 40 MiB, and .* needs at least 44 MiB to start .*resources\.limits\.memory/);
  });

  it('when an explicit GOMEMLIMIT is set then a container too small is still too small', () => {
    assert.notEqual(inContainer(40, '1GiB').tooSmall, null);
  });

  it('when the limit is enough to start but leaves nats-server a heap below what it works in then it runs, with a warning saying what to give', () => {
    const room = inContainer(MIN_CONTAINER_BYTES / MIB);
    assert.equal(room.tooSmall, null);
    assert.match(room.tight ?? '', /GOMEMLIMIT 1MiB .* is below the 32 MiB nats-server with JetStream works in: .* give the container at least 100 MiB/);
  });

  it('when the limit is ample or absent then nothing is said', () => {
    assert.deepEqual(inContainer(512), { tooSmall: null, tight: null });
    assert.deepEqual(unlimited(), { tooSmall: null, tight: null });
  });

  it('when an explicit GOMEMLIMIT is tiny then it is warned about', () => {
    assert.match(unlimited('10B').tight ?? '', /GOMEMLIMIT 10B .* raise GOMEMLIMIT/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoMemLimit } from '../../../src/nats-server/go-byte-count.js';

// Each verdict is the one nats-server 2.15.1's Go runtime gave for `GOMEMLIMIT=<value> nats-server --version`.
const READ: [string, number][] = [
  ['512MiB', 512 * 1024 ** 2],
  ['512', 512],
  ['0', 0],
  ['-0', 0],
  ['10B', 10],
  ['1TiB', 1024 ** 4],
  ['9223372036854775807', 2 ** 63 - 1],
  ['off', Infinity],
];
const REFUSED = ['garbage', '512MB', '1KB', '-1', '9223372036854775808', '8589934592GiB', ' 5MiB', '5mib', '1.5GiB'];

describe("GOMEMLIMIT as Go's runtime reads it", () => {
  for (const [text, bytes] of READ) {
    it(`when it is "${text}" then Go reads ${bytes} bytes`, () => assert.equal(parseGoMemLimit(text), bytes));
  }
  for (const text of REFUSED) {
    it(`when it is "${text}" then Go refuses it`, () => assert.equal(parseGoMemLimit(text), null));
  }
});

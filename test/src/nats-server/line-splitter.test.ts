import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineSplitter, MAX_LINE_BYTES } from '../../../src/nats-server/line-splitter.js';

function split(chunks: (string | Buffer)[]): string[] {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  for (const c of chunks) s.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  s.end();
  return lines;
}

describe("splitting nats-server's output into lines", () => {
  it('when lines come split across chunks, with \\n or \\r\\n, then each is whole and without its line end', () => {
    assert.deepEqual(split(['[INF] one\n[WR', 'N] two\r\n', '[ERR] th', 'ree']), ['[INF] one', '[WRN] two', '[ERR] three']);
  });

  it('when a character is split across chunks then it arrives whole', () => {
    const euro = Buffer.from('€\n');
    assert.deepEqual(split([euro.subarray(0, 1), euro.subarray(1)]), ['€']);
  });

  it('when a line is longer than the cap then the cap is kept, the rest counted, and the next line is whole', () => {
    const long = 'x'.repeat(MAX_LINE_BYTES + 5000);
    const lines = split([long.slice(0, 3000), long.slice(3000), '\nnext\n']);
    assert.equal(lines.length, 2);
    assert.equal(lines[0], `${'x'.repeat(MAX_LINE_BYTES)}… [cut: 5000 bytes]`);
    assert.equal(lines[1], 'next');
  });

  it('when the output is a single 64 MiB line then it is cut, and what is kept stays at the cap', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 64; i++) s.push(chunk);
    s.push(Buffer.from('\n'));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, new RegExp(`^A{${MAX_LINE_BYTES}}… \\[cut: ${64 * 1024 * 1024 - MAX_LINE_BYTES} bytes\\]$`));
  });

  it('when nothing follows the last newline then no empty line is made up', () => {
    assert.deepEqual(split(['a\n']), ['a']);
    assert.deepEqual(split(['\n']), ['']);
  });
});

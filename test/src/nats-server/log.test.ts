import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServerLine, ServerLogBus } from '../../../src/nats-server/log.js';

describe('nats-server log lines', () => {
  it("when a line carries a level tag then its level maps to pino's, with or without pid and time", () => {
    assert.deepEqual(parseServerLine('[123] 2026/11/22 20:59:41.086955 [INF] Reloaded server configuration'), {
      level: 'info',
      message: 'Reloaded server configuration',
      raw: '[123] 2026/11/22 20:59:41.086955 [INF] Reloaded server configuration',
    });
    for (const [tag, level] of [
      ['TRC', 'trace'],
      ['DBG', 'debug'],
      ['WRN', 'warn'],
      ['ERR', 'error'],
      ['FTL', 'fatal'],
    ]) {
      assert.equal(parseServerLine(`[${tag}] x`).level, level);
    }
  });

  it('when a line has no level tag then it is kept whole at info', () => {
    assert.deepEqual(parseServerLine('panic: runtime error'), { level: 'info', message: 'panic: runtime error', raw: 'panic: runtime error' });
  });

  it('when a reload is awaited then only a line after the baseline counts, also one already seen', async () => {
    const bus = new ServerLogBus();
    bus.push('[INF] Reloaded server configuration');
    const baseline = bus.lastSeq;
    bus.push('[INF] Reloaded server configuration');
    const line = await bus.waitFor(baseline, (l) => /Reloaded/.test(l.message), new AbortController().signal);
    assert.equal(line.seq, baseline + 1);
  });

  it('when a line is awaited and arrives later then it resolves with it; when aborted then it rejects and stops listening', async () => {
    const bus = new ServerLogBus();
    const waiting = bus.waitFor(bus.lastSeq, (l) => l.level === 'error', new AbortController().signal);
    bus.push('[INF] fine');
    bus.push('[ERR] Failed to reload server configuration: x');
    assert.equal((await waiting).message, 'Failed to reload server configuration: x');

    const ac = new AbortController();
    const never = bus.waitFor(bus.lastSeq, () => false, ac.signal);
    ac.abort(new Error('left the state'));
    await assert.rejects(never, /left the state/);
    assert.equal(bus.listenerCount('line'), 0);
  });
});

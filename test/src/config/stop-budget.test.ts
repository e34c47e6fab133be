import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationMs } from '../../../src/config/duration.js';
import { stopBudgetProblem } from '../../../src/config/stop-budget.js';

const facts = (durationMs: number, graceMs = 10_000) => ({ lameDuck: { durationMs, graceMs }, error: null });

describe('the stop budget for a lame-duck stop', () => {
  it('when nats-server durations are written the Go way then they are read as milliseconds', () => {
    assert.equal(durationMs('2m'), 120_000);
    assert.equal(durationMs('1m30s'), 90_000);
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('1500\u00b5s'), 1.5);
    assert.equal(durationMs(30), 30_000);
    assert.equal(durationMs('soon'), null);
    assert.equal(durationMs('2m soon'), null);
  });

  it('when the defaults meet the default budget then the problem names both values', () => {
    const problem = stopBudgetProblem('lame-duck', 25, facts(120_000));
    assert.match(String(problem), /25 s is shorter than a lame-duck stop: lame_duck_grace_period 10 s \+ lame_duck_duration 120 s \+ 20 s = 150 s/);
  });

  it('when the budget covers grace, duration and the margin, or the stop is a plain SIGTERM, then there is no problem', () => {
    assert.equal(stopBudgetProblem('lame-duck', 150, facts(120_000)), null);
    assert.equal(stopBudgetProblem('lame-duck', 45, facts(15_000)), null);
    assert.equal(stopBudgetProblem('term', 25, facts(120_000)), null);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationMs } from '../../../src/config/duration.js';
import { stopPlan, StopPlanHolder } from '../../../src/config/stop-plan.js';

const facts = (clustered: boolean, durationMs = 120_000, graceMs = 10_000) => ({ lameDuck: { durationMs, graceMs }, clustered, error: null });
const unset = { shutdown: null, stopTimeoutSeconds: null, leaveTimeoutSeconds: 60 };

describe('the stop plan', () => {
  it('when nats-server durations are written the Go way then they are read as milliseconds', () => {
    assert.equal(durationMs('2m'), 120_000);
    assert.equal(durationMs('1m30s'), 90_000);
    assert.equal(durationMs('500ms'), 500);
    assert.equal(durationMs('1500\u00b5s'), 1.5);
    assert.equal(durationMs(30), 30_000);
    assert.equal(durationMs('soon'), null);
    assert.equal(durationMs('2m soon'), null);
  });

  it('when nothing is set then a standalone server stops with SIGTERM in 25 s and a cluster member through lame duck, in the time its config asks for', () => {
    assert.deepEqual(stopPlan(unset, facts(false)), { shutdown: 'term', stopTimeoutSeconds: 25, leaveTimeoutSeconds: 60, why: 'a standalone server' });
    assert.deepEqual(stopPlan(unset, facts(true)), { shutdown: 'lame-duck', stopTimeoutSeconds: 150, leaveTimeoutSeconds: 60, why: 'a cluster member' });
    assert.equal(stopPlan(unset, facts(true, 30_000, 10_000)).stopTimeoutSeconds, 60);
  });

  it('when NATS_SHUTDOWN is set then it wins over the config', () => {
    assert.equal(stopPlan({ ...unset, shutdown: 'term' }, facts(true)).shutdown, 'term');
    assert.equal(stopPlan({ ...unset, shutdown: 'term' }, facts(true)).stopTimeoutSeconds, 25);
    assert.equal(stopPlan({ ...unset, shutdown: 'lame-duck' }, facts(false)).shutdown, 'lame-duck');
  });

  it('when a set budget is shorter than the lame-duck stop then it is a bad NATS_STOP_TIMEOUT_SECONDS naming every term', () => {
    assert.throws(
      () => stopPlan({ ...unset, stopTimeoutSeconds: 25 }, facts(true)),
      (err: Error & { variable?: string }) => {
        assert.equal(err.variable, 'NATS_STOP_TIMEOUT_SECONDS');
        assert.match(err.message, /25 s is shorter than a lame-duck stop: lame_duck_grace_period 10 s \+ lame_duck_duration 120 s \+ 20 s = 150 s/);
        assert.match(err.message, /NATS_SHUTDOWN=term/);
        return true;
      },
    );
  });

  it('when the budget covers grace, duration and the margin, or the stop is a plain SIGTERM, then it is used as set', () => {
    assert.equal(stopPlan({ ...unset, stopTimeoutSeconds: 150 }, facts(true)).stopTimeoutSeconds, 150);
    assert.equal(stopPlan({ ...unset, stopTimeoutSeconds: 45 }, facts(true, 15_000)).stopTimeoutSeconds, 45);
    assert.equal(stopPlan({ ...unset, shutdown: 'term', stopTimeoutSeconds: 5 }, facts(true)).stopTimeoutSeconds, 5);
  });
});

describe('the stop plan as the config changes', () => {
  it('when lame_duck_* is edited then an unset budget follows it, and an edit a set budget cannot cover keeps the plan and says why', () => {
    const warnings: string[] = [];
    const holder = new StopPlanHolder(stopPlan(unset, facts(true, 30_000)), unset, (m) => warnings.push(m));
    assert.equal(holder.current.stopTimeoutSeconds, 60);
    holder.follow(facts(true, 60_000));
    assert.deepEqual([holder.current.shutdown, holder.current.stopTimeoutSeconds, holder.current.why], ['lame-duck', 90, 'a cluster member']);
    const set = { ...unset, stopTimeoutSeconds: 60 };
    const fixed = new StopPlanHolder(stopPlan(set, facts(true, 30_000)), set, (m) => warnings.push(m));
    fixed.follow(facts(true, 120_000));
    assert.equal(fixed.current.stopTimeoutSeconds, 60);
    assert.match(warnings.join('\n'), /the stop plan stays as it was: NATS_STOP_TIMEOUT_SECONDS: 60 s is shorter than a lame-duck stop/);
  });
});

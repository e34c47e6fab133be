import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationMs } from '../../../src/config/duration.js';
import { describeStopPlan, stopPlan, StopPlanHolder, type StopPlan } from '../../../src/config/stop-plan.js';

const facts = (clustered: boolean, durationMs = 120_000, graceMs = 10_000) => ({ lameDuck: { durationMs, graceMs }, clustered, error: null });
const unset = { shutdown: null, stopGraceSeconds: 30, stopTimeoutSeconds: null, leaveTimeoutSeconds: null };
/** The plan's phases at a shutdown, as seconds after SIGTERM: spared by, SIGINT at, SIGKILL at. */
const phases = (p: StopPlan) => [p.leaveTimeoutSeconds, p.leaveTimeoutSeconds + p.signalSeconds, p.leaveTimeoutSeconds + p.signalSeconds + p.finalSeconds];

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

  it("when nothing is set then the whole stop fits Kubernetes' 30 s with 2 s to spare: a member's lame duck is cut by SIGINT", () => {
    const member = stopPlan(unset, facts(true));
    assert.deepEqual([member.shutdown, member.why], ['lame-duck', 'a cluster member']);
    assert.deepEqual(phases(member), [17, 25, 28]);
    const standalone = stopPlan(unset, facts(false));
    assert.deepEqual([standalone.shutdown, standalone.leaveTimeoutSeconds], ['term', 0]);
    assert.deepEqual(phases(standalone), [0, 25, 28]);
    assert.equal(member.restartStopSeconds, 25);
  });

  it("when the grace is Docker's 10 s then every phase still fits, and the smallest grace too", () => {
    assert.deepEqual(phases(stopPlan({ ...unset, stopGraceSeconds: 10 }, facts(true))), [3, 6, 8]);
    assert.deepEqual(phases(stopPlan({ ...unset, stopGraceSeconds: 10 }, facts(false))), [0, 5, 8]);
    assert.deepEqual(phases(stopPlan({ ...unset, stopGraceSeconds: 5 }, facts(true))), [0, 2, 3]);
  });

  it('when the grace is long then the lame duck runs no longer than the config asks, and the wait to be spared takes the rest', () => {
    const p = stopPlan({ ...unset, stopGraceSeconds: 300 }, facts(true, 30_000, 10_000));
    assert.deepEqual(phases(p), [238, 295, 298]);
    assert.match(describeStopPlan(p), /lame duck 57 s/);
  });

  it('when NATS_SHUTDOWN is set then it wins over the config', () => {
    assert.equal(stopPlan({ ...unset, shutdown: 'term' }, facts(true)).shutdown, 'term');
    assert.equal(stopPlan({ ...unset, shutdown: 'lame-duck' }, facts(false)).shutdown, 'lame-duck');
  });

  it('when set waits do not fit the grace then it is a bad setting naming them, the sum and the grace', () => {
    assert.throws(
      () => stopPlan({ ...unset, leaveTimeoutSeconds: 60, stopTimeoutSeconds: 60 }, facts(true)),
      (err: Error & { variable?: string }) => {
        assert.equal(err.variable, 'NATS_STOP_TIMEOUT_SECONDS', 'the one that alone does not fit');
        assert.match(err.message, /the stop would take up to 120 s \(60 s to be spared \+ 60 s to stop\), more than the 30 s the platform gives it less 2 s/);
        assert.match(err.message, /raise NATS_STOP_GRACE_SECONDS with terminationGracePeriodSeconds/);
        return true;
      },
    );
    assert.throws(() => stopPlan({ ...unset, stopTimeoutSeconds: 40 }, facts(false)), { variable: 'NATS_STOP_TIMEOUT_SECONDS' });
    assert.throws(() => stopPlan({ ...unset, leaveTimeoutSeconds: 20, stopTimeoutSeconds: 10 }, facts(true)), { variable: 'NATS_LEAVE_TIMEOUT_SECONDS' });
  });

  it('when set waits fit the grace then they are used as set, and the leave wait takes what the stop leaves', () => {
    const p = stopPlan({ ...unset, stopGraceSeconds: 130, leaveTimeoutSeconds: 60, stopTimeoutSeconds: 60 }, facts(true));
    assert.deepEqual(phases(p), [60, 117, 120]);
    assert.equal(p.restartStopSeconds, 60);
    assert.deepEqual(phases(stopPlan({ ...unset, stopTimeoutSeconds: 10 }, facts(true))), [18, 25, 28]);
  });
});

describe('the stop plan as the config changes', () => {
  it('when lame_duck_* is edited then the plan follows it, and an edit it cannot fit keeps the plan and says why', () => {
    const warnings: string[] = [];
    const long = { ...unset, stopGraceSeconds: 300 };
    const holder = new StopPlanHolder(stopPlan(long, facts(true, 30_000)), long, (m) => warnings.push(m));
    assert.equal(holder.current.signalSeconds, 57);
    holder.follow(facts(true, 60_000));
    assert.deepEqual([holder.current.shutdown, holder.current.signalSeconds, holder.current.why], ['lame-duck', 87, 'a cluster member']);
    const set = { ...unset, leaveTimeoutSeconds: 25 };
    const fixed = new StopPlanHolder(stopPlan(set, facts(false)), set, (m) => warnings.push(m));
    fixed.follow(facts(true));
    assert.equal(fixed.current.leaveTimeoutSeconds, 0);
    assert.match(warnings.join('\n'), /the stop plan stays as it was: NATS_LEAVE_TIMEOUT_SECONDS: the stop would take up to 36 s/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Cause, Mode } from '../../machines/causes.js';
import type { WatchedCause } from '../../machines/events.js';
import { createHarness, type Harness, type Snapshot, inState } from './harness.js';

type Command =
  | { kind: 'change'; cause: WatchedCause; immediate: boolean }
  | { kind: 'sighup' }
  | { kind: 'crash'; uptimeMs: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'validity'; valid: boolean }
  | { kind: 'reloadVerdict'; outcome: 'applied' | 'rejected' }
  | { kind: 'store'; event: 'failed' | 'room' };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('change' as const),
    cause: fc.constantFrom<WatchedCause>('config', 'accounts', 'tls', 'jwt', 'creds'),
    immediate: fc.boolean(),
  }),
  fc.constant({ kind: 'sighup' as const }),
  fc.record({ kind: fc.constant('crash' as const), uptimeMs: fc.constantFrom(10, 70_000) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
  fc.record({ kind: fc.constant('validity' as const), valid: fc.boolean() }),
  fc.record({ kind: fc.constant('reloadVerdict' as const), outcome: fc.constantFrom('applied' as const, 'rejected' as const) }),
  fc.record({ kind: fc.constant('store' as const), event: fc.constantFrom('failed' as const, 'room' as const) }),
);

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A cause is served once an action takes it, a fresh start covers it, or the supervisor has ended. */
class CauseLedger {
  private open: Cause[] = [];

  sent(cause: Cause): void {
    this.open.push(cause);
  }

  observe(s: Snapshot, spawned: boolean): void {
    if (s.status === 'done') this.open = [];
    this.open = this.open.filter((c) => !s.context.activeCauses.includes(c) && !(spawned && c !== 'jwt'));
  }

  unserved(s: Snapshot): Cause[] {
    return this.open.filter((c) => !s.context.pendingCauses.includes(c));
  }
}

async function apply(h: Harness, c: Command, ledger: CauseLedger): Promise<void> {
  if (c.kind === 'change') {
    ledger.sent(c.cause);
    h.send({ type: 'FS_CHANGED', cause: c.cause, paths: [], immediate: c.immediate });
  } else if (c.kind === 'sighup') {
    ledger.sent('signal');
    h.send({ type: 'RELOAD_REQUESTED' });
  } else if (c.kind === 'crash') {
    if (h.member()?.server === 'up') h.exitServer(1, null, c.uptimeMs);
  } else if (c.kind === 'tick') {
    h.clock.increment(c.ms);
  } else if (c.kind === 'store') {
    const member = h.member();
    if (c.event === 'failed') h.send({ type: 'STORE_FAILED', message: 'Critical write error', uptimeMs: 10 });
    else {
      // Room asks for a restart only while the store of the running nats-server has failed.
      if (member?.store === 'faulted') ledger.sent('store');
      h.send({ type: 'STORE_HAS_ROOM', freeBytes: 1, wouldLose: null });
    }
  } else if (c.kind === 'validity') {
    h.world.valid = c.valid;
  } else {
    h.world.reload = c.outcome;
  }
  await settle();
}

function assertSignalsFollowValidConfig(h: Harness): void {
  let lastValid = true;
  for (const t of h.trace) {
    if (t.kind === 'validated') lastValid = t.valid;
    if (t.kind === 'signal' && (t.signal === 'SIGHUP' || t.signal === 'SIGINT')) {
      assert.ok(lastValid, `${t.signal} sent after a rejected validation`);
    }
  }
}

/** A leaf restarts (SIGINT) only for changed creds, a store with room again, or right after a SIGHUP of the same action. */
function assertLeafRestartsOnlyForRestartCauses(h: Harness, mode: Mode): void {
  if (mode !== 'leaf') return;
  const signals = h.trace.filter((t) => t.kind === 'signal');
  signals.forEach((t, i) => {
    if (t.signal !== 'SIGINT') return;
    const afterRefusedReload = signals[i - 1]?.signal === 'SIGHUP';
    const restartCause = t.causes.includes('creds') || t.causes.includes('store');
    assert.ok(restartCause || afterRefusedReload, `leaf restart for ${t.causes.join(',')}`);
  });
}

describe('supervisor statechart: invariants under random event sequences (fast-check)', () => {
  it('when any inputs come then no cause is lost, signals follow valid config, leaves restart for creds, store or refusal, SHUTDOWN ends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Mode>('server', 'leaf'), fc.array(command, { maxLength: 40 }), async (mode, commands) => {
        const h = createHarness({ mode, world: { exitsOnStopSignal: true } });
        const ledger = new CauseLedger();
        let spawnsSeen = 0;
        h.actor.subscribe((s) => {
          ledger.observe(s, h.spawns > spawnsSeen);
          spawnsSeen = h.spawns;
        });
        await settle();
        for (const c of commands) await apply(h, c, ledger);
        // Quiesce: enough simulated time for every debounce, backoff and timeout to run out.
        for (let i = 0; i < 30 && h.actor.getSnapshot().status === 'active'; i++) await apply(h, { kind: 'tick', ms: 31_000 }, ledger);
        const quiet = h.actor.getSnapshot();
        assert.deepEqual(ledger.unserved(quiet), [], 'a cause was dropped');
        if (quiet.status === 'active') assert.deepEqual(quiet.context.pendingCauses, [], 'causes left pending while quiet');
        assertSignalsFollowValidConfig(h);
        assertLeafRestartsOnlyForRestartCauses(h, mode);

        const failedAlready = quiet.status === 'done';
        h.send({ type: 'SHUTDOWN', signal: 'SIGTERM' });
        await settle();
        h.clock.increment(30_000);
        await settle();
        const end = h.actor.getSnapshot();
        assert.equal(end.status, 'done');
        assert.ok(failedAlready ? inState(end, 'failed') : inState(end, 'stopped'), `ended in ${JSON.stringify(end.value)}`);
        h.actor.stop();
      }),
      { numRuns: 300 },
    );
  });
});

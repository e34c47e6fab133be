import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ASK_TIMEOUT_MS, MonitorPoll, type Answer } from '../../../src/nats-server/monitor-poll.js';
import { eventually } from '../../support/wait.js';

describe('the one poller of the monitoring port', () => {
  it('when answers come then each is handed on in order, one question at a time, until one says done', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    let n = 0;
    const poll = new MonitorPoll<number>({
      ask: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
        return ++n;
      },
      everyMs: () => 1,
      onAnswer: (a) => (a.ok && seen.push(a.value) >= 4 ? 'done' : undefined),
    }).start();
    await eventually('four answers', () => seen.length === 4);
    poll.askNow();
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(seen, [1, 2, 3, 4], 'nothing after done');
    assert.equal(most, 1);
    assert.equal(poll.closed, true);
  });

  it('when nats-server does not answer then the question ends at its deadline as a failed answer, and the poll goes on', async () => {
    const answers: Answer<string>[] = [];
    let calls = 0;
    const poll = new MonitorPoll<string>({
      ask: (signal) =>
        ++calls === 1 ? new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))) : Promise.resolve('ok'),
      everyMs: () => 1,
      onAnswer: (a) => (answers.push(a) >= 2 ? 'done' : undefined),
    }).start();
    await eventually('two answers', () => answers.length === 2, ASK_TIMEOUT_MS + 3000);
    assert.equal(answers[0]!.ok, false);
    assert.match(String((answers[0] as { error: unknown }).error), /no answer in 2000 ms/);
    assert.deepEqual(answers[1], { ok: true, value: 'ok' });
    poll.close();
  });

  it('when closed while a question is on its way then the question is aborted and its answer never handed on', async () => {
    let aborted = false;
    const answers: unknown[] = [];
    const poll = new MonitorPoll<string>({
      ask: (signal) =>
        new Promise<string>((_, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          }),
        ),
      everyMs: () => 1,
      onAnswer: (a) => void answers.push(a),
    }).start();
    await new Promise((r) => setTimeout(r, 10));
    poll.close();
    await eventually('the question aborted', () => aborted);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(answers, []);
  });

  it('when `when` says no then the round is skipped, not asked, and the next one comes as usual', async () => {
    let up = false;
    let asked = 0;
    const skips: (Answer<number> | null)[] = [];
    const poll = new MonitorPoll<number>({
      ask: async () => ++asked,
      everyMs: (last) => (skips.push(last), 1),
      onAnswer: () => 'done',
      when: () => up,
    }).start();
    await eventually('a few skipped rounds', () => skips.length >= 3);
    assert.equal(asked, 0);
    assert.ok(skips.every((s) => s === null));
    up = true;
    await eventually('asked once up', () => asked === 1);
    poll.close();
  });
});

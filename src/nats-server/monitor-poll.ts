import { withDeadline } from '../util/deadline.js';

/** One question's deadline: a hung nats-server accepts the connection and never answers. */
export const ASK_TIMEOUT_MS = 2000;

/** What one question to the monitoring port came back with: its value, or why there is none. */
export type Answer<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface PollOptions<T> {
  /** The question; its signal ends at ASK_TIMEOUT_MS or when the poll is closed. */
  ask: (signal: AbortSignal) => Promise<T>;
  /** The wait before the next question, after this answer (null: the round was skipped, `when` said no). */
  everyMs: (last: Answer<T> | null) => number;
  /** Each answer, in order; `done` ends the poll. Not called once the poll is closed. */
  onAnswer: (answer: Answer<T>) => void | 'done';
  /** Asked before each round: false skips the question this time (nats-server is not up, say). */
  when?: () => boolean;
}

/**
 * The one way the supervisor asks nats-server's monitoring port again and again (the chart's checks and the
 * status feeds alike): one question at a time, each with the same deadline, one interval, one abort, and every
 * answer, a failure too, handed to `onAnswer` as a typed value.
 */
export class MonitorPoll<T> {
  private readonly closing = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private asking = false;

  constructor(private readonly opts: PollOptions<T>) {}

  /** The first question after `delayMs`. */
  start(delayMs = 0): this {
    this.schedule(delayMs);
    return this;
  }

  /** A question now, unless one is on its way; the rounds go on from its answer. */
  askNow(): void {
    void this.round();
  }

  close(): void {
    this.closing.abort();
    if (this.timer) clearTimeout(this.timer);
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.round(), ms).unref();
  }

  private async round(): Promise<void> {
    if (this.asking || this.closed) return;
    if (this.opts.when && !this.opts.when()) return this.schedule(this.opts.everyMs(null));
    this.asking = true;
    let answer: Answer<T>;
    try {
      answer = { ok: true, value: await withDeadline(ASK_TIMEOUT_MS, this.closing.signal, this.opts.ask) };
    } catch (error) {
      answer = { ok: false, error };
    } finally {
      this.asking = false;
    }
    if (this.closed) return;
    if (this.opts.onAnswer(answer) === 'done') return this.close();
    this.schedule(this.opts.everyMs(answer));
  }
}

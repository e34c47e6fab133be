import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { eventually, GiveUp } from './wait.js';

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };
export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** The supervisor's JSON log as it arrives, with waits on what it says: one for a process, one for a container. */
export class LogLines {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  protected exit: Exit | null = null;

  protected follow(stdout: Readable, stderr: Readable): void {
    createInterface({ input: stdout }).on('line', (raw) => {
      try {
        this.lines.push(JSON.parse(raw) as LogLine);
      } catch {
        this.lines.push({ msg: raw, unparsed: true });
      }
    });
    createInterface({ input: stderr }).on('line', (raw) => this.stderr.push(raw));
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** Waits for a log line matching `pred` that arrived after line index `from`. */
  waitForLog(what: string, pred: (l: LogLine) => boolean, opts: { from?: number; timeoutMs?: number } = {}): Promise<LogLine> {
    return eventually(
      () => `log line: ${what}\n--- last lines:\n${this.tail()}`,
      () => {
        if (this.hasExited && !this.lines.slice(opts.from ?? 0).some(pred)) throw new GiveUp(`supervisor exited: ${JSON.stringify(this.exit)}`);
        return this.lines.slice(opts.from ?? 0).find(pred);
      },
      opts.timeoutMs ?? 15_000,
    );
  }

  waitForState(state: string, opts: { from?: number; timeoutMs?: number } = {}): Promise<LogLine> {
    return this.waitForLog(`state ${state}`, (l) => l.state === state && typeof l.event === 'string', opts);
  }

  /** Waits for the chart to record the outcome of the next change (applied, restarted, rejected, unchanged). */
  waitForOutcome(opts: { from?: number; timeoutMs?: number } = {}): Promise<LogLine> {
    return this.waitForLog('a change outcome', (l) => typeof l.outcome === 'string', opts);
  }

  outcomes(from = 0): LogLine[] {
    return this.lines.slice(from).filter((l) => typeof l.outcome === 'string');
  }

  mark(): number {
    return this.lines.length;
  }

  tail(n = 25): string {
    return (
      this.lines
        .slice(-n)
        .map((l) => JSON.stringify(l))
        .join('\n') + (this.stderr.length ? `\nstderr: ${this.stderr.join('\n')}` : '')
    );
  }
}

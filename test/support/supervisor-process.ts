import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Layout } from './layout.js';
import { natsServersUsing } from './process-table.js';
import { eventually, GiveUp } from './wait.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };
export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** The real supervisor, started as its own process the way a container starts it. */
export class SupervisorProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  private constructor(readonly child: ChildProcess, readonly layout: Layout) {
    createInterface({ input: child.stdout! }).on('line', (raw) => {
      try {
        this.lines.push(JSON.parse(raw) as LogLine);
      } catch {
        this.lines.push({ msg: raw, unparsed: true });
      }
    });
    createInterface({ input: child.stderr! }).on('line', (raw) => this.stderr.push(raw));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      resolve(this.exit);
    }));
  }

  /** Runs the source through tsx, or with `builtCli` the built command (a dist/cli.js) with plain node. */
  static start(layout: Layout, env: Record<string, string> = {}, args: string[] = [], builtCli?: string): SupervisorProcess {
    const entry = builtCli ? [builtCli] : ['--import', 'tsx', path.join(REPO, 'src', 'cli.ts')];
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: REPO,
      env: { ...process.env, NATS_LOG_LEVEL: 'debug', ...layout.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new SupervisorProcess(child, layout);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** Waits for a log line matching `pred` that arrived after line index `from`. */
  waitForLog(what: string, pred: (l: LogLine) => boolean, opts: { from?: number; timeoutMs?: number } = {}): Promise<LogLine> {
    return eventually(`log line: ${what}\n--- last lines:\n${this.tail()}`, () => {
      if (this.hasExited && !this.lines.slice(opts.from ?? 0).some(pred)) throw new GiveUp(`supervisor exited: ${JSON.stringify(this.exit)}`);
      return this.lines.slice(opts.from ?? 0).find(pred);
    }, opts.timeoutMs ?? 15_000);
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
    return this.lines.slice(-n).map((l) => JSON.stringify(l)).join('\n') + (this.stderr.length ? `\nstderr: ${this.stderr.join('\n')}` : '');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (!this.hasExited) this.child.kill(signal);
    return this.exited;
  }

  /** Never leaves anything behind, whatever the test did. */
  async dispose(): Promise<void> {
    if (!this.hasExited) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timer);
    }
    for (const pid of natsServersUsing(this.layout.root)) process.kill(pid, 'SIGKILL');
  }
}

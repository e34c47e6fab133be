import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Layout } from './layout.js';
import { natsServersUsing } from './process-table.js';
import { LogLines, type Exit } from './log-lines.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type { Exit, LogLine } from './log-lines.js';

/** The real supervisor, started as its own process the way a container starts it. */
export class SupervisorProcess extends LogLines {
  readonly exited: Promise<Exit>;

  private constructor(
    readonly child: ChildProcess,
    readonly layout: Layout,
  ) {
    super();
    this.follow(child.stdout!, child.stderr!);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
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

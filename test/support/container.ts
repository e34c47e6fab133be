import { execFile, spawn } from 'node:child_process';
import { chown, mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { makeLayout, removeLayout, type Layout } from './layout.js';
import { LogLines, type Exit } from './log-lines.js';
import { freePort } from './ports.js';
import { eventually } from './wait.js';

const run = promisify(execFile);

/** The image under test: `npm run image` builds it. */
export const IMAGE = process.env.IOFOG_NATS_IMAGE ?? 'iofog-nats:local';
/** The user the image runs as, and owns what it writes. */
export const RUNNER = 10000;

export async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/** Paths inside the container: the contract's defaults, where the platform mounts things. */
export const IN_CONTAINER = {
  confDir: '/etc/nats/config',
  conf: '/etc/nats/config/server.conf',
  accounts: '/etc/nats/config/accounts.conf',
  tlsDir: '/etc/nats/certs',
  credsDir: '/etc/nats/creds',
  jwtMount: '/tmp/nats/jwt',
  jwtDir: '/home/runner/nats/jwt',
  storeDir: '/home/runner/data',
} as const;

/**
 * Host dirs mounted where the PoT Controller and the ioFog operator mount them. `host` is the host's view (for
 * writing files and for the client and monitor ports, shared through the host network); `inside` names the same
 * places as nats-server in the container sees them, for writing configs.
 */
export interface ContainerLayout {
  host: Layout;
  inside: Layout;
  statusPort: number;
  mounts: string[];
}

export async function makeContainerLayout(name: string): Promise<ContainerLayout> {
  const host = await makeLayout(`container-${name}`);
  for (const dir of [host.jwtMount, host.jwtDir, host.storeDir]) {
    await mkdir(dir, { recursive: true });
    await chown(dir, RUNNER, RUNNER);
  }
  const inside: Layout = { ...host, ...IN_CONTAINER, root: '/', env: {} };
  const mounts = [
    `${host.confDir}:${IN_CONTAINER.confDir}:ro`,
    `${host.tlsDir}:${IN_CONTAINER.tlsDir}:ro`,
    `${host.credsDir}:${IN_CONTAINER.credsDir}:ro`,
    `${host.jwtMount}:${IN_CONTAINER.jwtMount}`,
    `${host.jwtDir}:${IN_CONTAINER.jwtDir}`,
    `${host.storeDir}:${IN_CONTAINER.storeDir}`,
  ];
  return { host, inside, statusPort: await freePort(), mounts };
}

export interface RunOptions {
  env?: Record<string, string>;
  /** docker run options before the image (e.g. --health-interval). */
  options?: string[];
  /** Kubernetes' restricted defaults: read-only root fs, uid 10000, /tmp as an emptyDir. */
  restricted?: boolean;
}

/** One container of the image, on the host network, its JSON log followed like a supervisor's. */
export class Container extends LogLines {
  private logs: ReturnType<typeof spawn> | null = null;

  private constructor(
    readonly id: string,
    readonly layout: ContainerLayout,
  ) {
    super();
  }

  static async run(layout: ContainerLayout, opts: RunOptions = {}): Promise<Container> {
    const env = {
      NATS_MONITOR_PORT: String(layout.host.monitorPort),
      NATS_CLIENT_URL: `nats://127.0.0.1:${layout.host.clientPort}`,
      NATS_STATUS_ADDR: `127.0.0.1:${layout.statusPort}`,
      NATS_LOG_LEVEL: 'debug',
      ...opts.env,
    };
    const restricted = opts.restricted ? ['--read-only', '--tmpfs', '/tmp', '--user', `${RUNNER}:${RUNNER}`] : [];
    const args = [
      'run',
      '-d',
      '--network',
      'host',
      '--label',
      'iofog-nats-test=1',
      ...restricted,
      ...layout.mounts.flatMap((m) => ['-v', m]),
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      ...(opts.options ?? []),
      IMAGE,
    ];
    const c = new Container((await docker(...args)).trim(), layout);
    c.followLogs();
    return c;
  }

  private followLogs(since?: string): void {
    this.logs = spawn('docker', ['logs', '-f', ...(since ? ['--since', since] : []), this.id], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.follow(this.logs.stdout!, this.logs.stderr!);
  }

  async inspect(): Promise<{ State: { Status: string; ExitCode: number; StartedAt: string; Pid: number; Health?: { Status: string } }; RestartCount: number }> {
    return JSON.parse(await docker('inspect', '--format', '{{json .}}', this.id)) as never;
  }

  /** Runs a command in the container; resolves with its exit code and output, whatever the code. */
  async exec(args: string[], opts: { env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    try {
      const { stdout, stderr } = await run('docker', ['exec', ...env, this.id, ...args], { maxBuffer: 16 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  /** `iofog-nats inspect --json` in the container: the supervisor's state document. */
  async status(): Promise<{ state: string; server: { pid: number | null; restarts: number } }> {
    const out = await this.exec(['iofog-nats', 'inspect', '--json']);
    if (out.code !== 0) throw new Error(`inspect failed (${out.code}): ${out.stderr}`);
    return JSON.parse(out.stdout) as never;
  }

  /** The container's processes as the host sees them: pid, state letter, command. */
  async processes(): Promise<{ pid: number; stat: string; comm: string }[]> {
    const out = await docker('top', this.id, '-eo', 'pid,stat,comm');
    return out
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [pid, stat, ...comm] = line.trim().split(/\s+/);
        return { pid: Number(pid), stat: stat ?? '', comm: comm.join(' ') };
      });
  }

  /** Waits for the container to exit by itself; resolves with its exit code. */
  async waitForExit(timeoutMs = 30_000): Promise<Exit> {
    const state = await eventually(
      'the container to exit',
      async () => ((await this.inspect()).State.Status === 'exited' ? (await this.inspect()).State : undefined),
      timeoutMs,
    );
    // Its last lines may still be on their way through `docker logs -f`.
    await eventually('the log to end', () => this.logs?.exitCode !== null || undefined, 5_000).catch(() => undefined);
    this.exit = { code: state.ExitCode, signal: null };
    return this.exit;
  }

  /** `docker stop` with its grace period; resolves with how long it took and the exit code. */
  async stop(graceSeconds: number): Promise<{ ms: number; exitCode: number }> {
    const t0 = performance.now();
    await docker('stop', '-t', String(graceSeconds), this.id);
    const ms = performance.now() - t0;
    this.exit = { code: (await this.inspect()).State.ExitCode, signal: null };
    return { ms, exitCode: this.exit.code! };
  }

  async start(): Promise<void> {
    const since = String(Date.now() / 1000);
    this.logs?.kill();
    this.exit = null;
    await docker('start', this.id);
    this.followLogs(since);
  }

  async remove(): Promise<void> {
    this.logs?.kill();
    await docker('rm', '-f', '-v', this.id).catch(() => undefined);
  }
}

/** Runs the image on a fresh layout; both are removed by the returned cleanup. */
export async function withContainer(
  name: string,
  setup: (l: ContainerLayout) => Promise<void>,
  opts: RunOptions = {},
): Promise<{ c: Container; l: ContainerLayout; cleanup: () => Promise<void> }> {
  const l = await makeContainerLayout(name);
  await setup(l);
  const c = await Container.run(l, opts);
  return {
    c,
    l,
    cleanup: async () => {
      await c.remove();
      await removeLayout(l.host);
    },
  };
}

export async function waitHealthy(c: Container, timeoutMs = 30_000): Promise<void> {
  await eventually('the container to be healthy', async () => (await c.inspect()).State.Health?.Status === 'healthy', timeoutMs);
}

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeLayout, removeLayout, type Layout } from './layout.js';
import { freeListenPort } from './ports.js';
import { natsServersUsing } from './process-table.js';
import { SupervisorProcess, type LogLine } from './supervisor-process.js';
import { eventually } from './wait.js';

/** One member: its mounted layout, its cluster and status ports, and its supervisor while one runs. */
export interface Member {
  name: string;
  layout: Layout;
  clusterPort: number;
  statusPort: number;
  sup: SupervisorProcess | null;
  past: SupervisorProcess[];
  /** nats-server run bare, without a supervisor (benchmarks compare against it). */
  bare: ChildProcess | null;
}

export interface Healthz {
  status: number;
  ready?: boolean;
  caughtUp?: boolean;
  reason?: string | null;
}

/**
 * Three (or n) nats-servers on loopback routed to each other, each under its own supervisor with its own ports
 * and store dir, stopped as Kubernetes stops a pod: SIGTERM to the supervisor, then waiting for it to exit.
 */
export class TestCluster {
  private constructor(readonly members: Member[]) {}

  static async create(name: string, opts: { size?: number; env?: Record<string, string> } = {}): Promise<TestCluster> {
    const size = opts.size ?? 3;
    const members: Member[] = [];
    for (let i = 0; i < size; i++) {
      const layout = await makeLayout(`${name}-n${i}`);
      // Members route to each other: their listening ports come from outside the ephemeral range.
      layout.clientPort = await freeListenPort();
      layout.monitorPort = await freeListenPort();
      Object.assign(layout.env, { NATS_MONITOR_PORT: String(layout.monitorPort), NATS_CLIENT_URL: `nats://127.0.0.1:${layout.clientPort}` });
      members.push({ name: `n${i}`, layout, clusterPort: await freeListenPort(), statusPort: await freeListenPort(), sup: null, past: [], bare: null });
    }
    const cluster = new TestCluster(members);
    for (const m of members) {
      Object.assign(m.layout.env, { NATS_STATUS_ADDR: `127.0.0.1:${m.statusPort}`, NATS_STOP_TIMEOUT_SECONDS: '', ...opts.env });
      await writeFile(m.layout.conf, cluster.configOf(m));
    }
    return cluster;
  }

  /** nats-server's config for one member: a short lame duck grace, the minimum lame-duck duration (30 s). */
  configOf(m: Member, extra = '', jetstream = ''): string {
    const routes = this.members.map((x) => `nats-route://127.0.0.1:${x.clusterPort}`).join(', ');
    return (
      [
        `server_name: ${m.name}`,
        `listen: 127.0.0.1:${m.layout.clientPort}`,
        `jetstream { store_dir: "${m.layout.storeDir}"${jetstream ? `, ${jetstream}` : ''} }`,
        `cluster { name: test, listen: 127.0.0.1:${m.clusterPort}, routes: [${routes}] }`,
        'lame_duck_duration: 30s',
        'lame_duck_grace_period: 1s',
        extra,
      ].join('\n') + '\n'
    );
  }

  get monitorPorts(): number[] {
    return this.members.map((m) => m.layout.monitorPort);
  }

  get clientUrls(): string[] {
    return this.members.map((m) => `nats://127.0.0.1:${m.layout.clientPort}`);
  }

  /** `builtCli`: the built command (a dist/cli.js) with plain node, as the image runs it; else the source through tsx. */
  start(i: number, env: Record<string, string> = {}, builtCli?: string): SupervisorProcess {
    const m = this.members[i]!;
    m.sup = SupervisorProcess.start(m.layout, env, [], builtCli);
    m.past.push(m.sup);
    return m.sup;
  }

  startAll(): void {
    this.members.forEach((_, i) => this.start(i));
  }

  /** nats-server alone, as the supervisor would start it; its log goes to `bare.log` in the member's root. */
  startBare(i: number): ChildProcess {
    const m = this.members[i]!;
    const log = openSync(path.join(m.layout.root, 'bare.log'), 'a');
    m.bare = spawn(m.layout.env.NATS_SERVER_BIN!, ['-c', m.layout.conf, '-m', String(m.layout.monitorPort)], {
      cwd: m.layout.confDir,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    return m.bare;
  }

  /** Signals a bare nats-server and resolves once it has exited. */
  async stopBare(i: number, signal: NodeJS.Signals): Promise<void> {
    const child = this.members[i]!.bare!;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  /** SIGTERM to the supervisor, as the kubelet sends it; resolves with its exit. */
  async stop(i: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const m = this.members[i]!;
    const exit = await m.sup!.stop('SIGTERM');
    return exit;
  }

  /** Every log line of every supervisor a member has had, in order. */
  linesOf(i: number): LogLine[] {
    return this.members[i]!.past.flatMap((s) => s.lines);
  }

  /** SIGKILL to the supervisor and its nats-server at once: a lost node. */
  async kill(i: number): Promise<void> {
    const m = this.members[i]!;
    for (const pid of natsServersUsing(m.layout.root)) process.kill(pid, 'SIGKILL');
    await m.sup!.stop('SIGKILL');
  }

  async healthz(i: number): Promise<Healthz> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.members[i]!.statusPort}/healthz`, { signal: AbortSignal.timeout(2000) });
      return { status: res.status, ...((await res.json()) as object) };
    } catch {
      return { status: 0 };
    }
  }

  /** nats-server's own monitoring endpoint of a member, or null while it does not answer. */
  async monitor<T>(i: number, path: string): Promise<T | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.members[i]!.layout.monitorPort}${path}`, { signal: AbortSignal.timeout(2000) });
      return (await res.json()) as T;
    } catch {
      return null;
    }
  }

  /** The gate a rollout waits on: the supervisor's /healthz answers 200. */
  async waitHealthy(i: number, timeoutMs = 120_000): Promise<Healthz> {
    const healthy = eventually(
      `${this.members[i]!.name}'s supervisor /healthz to answer 200`,
      async () => {
        const h = await this.healthz(i);
        // Thrown, so that a wait that times out says what the member last said.
        if (h.status !== 200) throw new Error(`${h.status}: ${JSON.stringify(h)}; log: ${this.members[i]!.sup?.tail(8) ?? '-'}`);
        return h;
      },
      timeoutMs,
    );
    // A member that never catches up is a cluster's story: what every member's routes and meta layer said then.
    return healthy.catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await this.diagnosis()}`);
    });
  }

  /** The JetStream meta group's size as its leader sees it (0 while no member knows a leader). */
  async metaGroupSize(): Promise<number> {
    const sizes = await Promise.all(this.members.map((_, i) => this.monitor<{ meta_cluster?: { leader?: string; cluster_size?: number } }>(i, '/jsz')));
    const leader = sizes.find((j) => j?.meta_cluster?.leader)?.meta_cluster?.leader;
    const i = this.members.findIndex((m) => m.name === leader);
    return i < 0 ? 0 : (sizes[i]?.meta_cluster?.cluster_size ?? 0);
  }

  /** The parts of a member's /state that say where it is and what it waits for, or null while it does not answer. */
  async stateOf(i: number): Promise<object | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.members[i]!.statusPort}/state`, { signal: AbortSignal.timeout(2000) });
      const s = (await res.json()) as { state: string; server: object; restartLease: object; lastError: string | null; history: unknown[] };
      return { state: s.state, server: s.server, restartLease: s.restartLease, lastError: s.lastError, history: s.history.slice(-6) };
    } catch {
      return null;
    }
  }

  /** What each member's nats-server says of its routes and its JetStream meta group, for a failure's message. */
  async diagnosis(): Promise<string> {
    const others = execFileSync('ps', ['-eo', 'pid,etimes,args'])
      .toString()
      .split('\n')
      .filter((l) => l.includes('nats-server'))
      .join('\n');
    const lines = await Promise.all(
      this.members.map(async (m, i) => {
        const routes = await this.monitor<{ routes?: { remote_name?: string; port?: number; ip?: string }[] }>(i, '/routez');
        const jsz = await this.monitor<{ meta_cluster?: unknown }>(i, '/jsz');
        const route = (routes?.routes ?? []).map((r) => `${r.remote_name}@${r.port}`).join(' ');
        const state = await this.stateOf(i);
        return (
          `${m.name} (client ${m.layout.clientPort}, cluster ${m.clusterPort}): routes ${route}; meta ${JSON.stringify(jsz?.meta_cluster)}; ` +
          `supervisor ${JSON.stringify(state)}; log: ${m.sup?.tail(12) ?? '-'}`
        );
      }),
    );
    return [...lines, 'nats-servers running:', others].join('\n');
  }

  async dispose(): Promise<void> {
    await Promise.all(this.members.map((m) => m.sup?.dispose()));
    await Promise.all(this.members.map((_, i) => (this.members[i]!.bare ? this.stopBare(i, 'SIGKILL') : undefined)));
    await Promise.all(this.members.map((m) => removeLayout(m.layout)));
  }
}

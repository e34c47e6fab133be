import { createActor, fromCallback, fromPromise, SimulatedClock, waitFor, type Actor, type SnapshotFrom } from 'xstate';
import type { Cause, Mode } from '../../machines/causes.js';
import type { ShutdownStyle } from '../../machines/context.js';
import type { ServerCommand, ServerSignal, StoreWatchCommand, SupervisorEvent } from '../../machines/events.js';
import type { ReconcileReport, ReloadBaseline, ReloadConfirmation, Validation } from '../../machines/outputs.js';
import { supervisorMachine } from '../../machines/supervisor.js';
import { memberStates, statePath, type MemberStates } from '../../src/util/state-path.js';

export type Snapshot = SnapshotFrom<typeof supervisorMachine>;

/** What the fake effects answer; tests change these between steps. */
export interface FakeWorld {
  configExists: boolean;
  valid: boolean;
  /** Validation cannot run nats-server (out of file descriptors): no verdict. */
  outOfFds: boolean;
  reload: ReloadConfirmation['outcome'] | 'never';
  /** Set to hold readiness until the test releases it. */
  readyHeld: boolean;
  /** Causes whose contents turn out to be what was applied already. */
  unchanged: Cause[];
  /** The fake nats-server exits by itself when it gets a stop signal. */
  exitsOnStopSignal: boolean;
  /** The JWT mirror fails (a full disk, say). */
  mirrorFails: boolean;
  /** The reconcile's claims push fails for one account. */
  pushFails: boolean;
  /** The reconcile's purge of an account waits for another member's mount. */
  purgeWaits: boolean;
  /** The cluster can spare this member: the spare check says so at once. Else it says why not until spare(). */
  spared: boolean;
  /** nats-server's full /healthz passes as soon as it is asked. Else it says what it catches up on until catchUp(). */
  catchesUp: boolean;
  /** With spared false: the offline members every reason the spare check gives waits on (empty: one is up). */
  gone: string[];
  /** Another member holds the restart lease: the lease says so until grantLease(). */
  leaseHolder: string | null;
  /** The config makes nats-server a cluster member (the first validation says so). */
  clustered: boolean;
  /** And the restart lease can be taken (creds for it in operator mode). */
  leaseConfigured: boolean;
}

/** What the fake effects saw, in order: the property test checks its invariants against this. */
export type Trace = { kind: 'validated'; valid: boolean } | { kind: 'signal'; signal: ServerSignal; causes: string[] } | { kind: 'spawn' };

export interface Harness {
  actor: Actor<typeof supervisorMachine>;
  clock: SimulatedClock;
  world: FakeWorld;
  signals: ServerSignal[];
  trace: Trace[];
  spawns: number;
  validations: number;
  syncs: string[];
  reconciles: number;
  /** What the chart told src/ that nats-server reads and runs: `read at spawn`, `runs what it read`, `runs taken: …`. */
  running: string[];
  send(event: SupervisorEvent): void;
  exitServer(code?: number | null, signal?: string | null, uptimeMs?: number): void;
  releaseReady(): void;
  /** The spare check that is waiting says the cluster can spare the member now. */
  spare(): void;
  /** The catch-up check of the running nats-server says its full /healthz passed. */
  catchUp(): void;
  /** The restart lease another member held is this one's now. */
  grantLease(): void;
  /** How many times the lease bucket was made. */
  buckets: number;
  /** How many leases were taken and released (a spawned lease stopped). */
  leases: { taken: number; released: number };
  /** Each store check spawned with nats-server: its delay, and whether the chart told it the store failed. */
  storeChecks: { minDelayMs: number; told: boolean }[];
  until(pred: (s: Snapshot) => boolean, what?: string): Promise<Snapshot>;
  /** What is true of the member now, a word per region. */
  member(): MemberStates | null;
  state(): string;
}

export function stateString(s: Snapshot): string {
  return statePath(s.value);
}

type Wanted = string | { [key: string]: Wanted };
const dotted = (v: Wanted): string => (typeof v === 'string' ? v : Object.entries(v).map(([k, c]) => `${k}.${dotted(c)}`)[0]!);

/** The lifecycle's state (or the root's, before and after it) is `want` or inside it: `{ running: 'idle' }`. */
export function inState(s: Snapshot, want: Wanted): boolean {
  const [have, path] = [statePath(s.value), dotted(want)];
  return have === path || have.startsWith(`${path}.`);
}

export function createHarness(opts: { mode?: Mode; shutdown?: ShutdownStyle; rollingRestart?: boolean; world?: Partial<FakeWorld> } = {}): Harness {
  const clock = new SimulatedClock();
  const world: FakeWorld = {
    configExists: true,
    valid: true,
    outOfFds: false,
    reload: 'applied',
    readyHeld: false,
    exitsOnStopSignal: false,
    unchanged: [],
    mirrorFails: false,
    pushFails: false,
    purgeWaits: false,
    gone: [],
    spared: true,
    catchesUp: true,
    leaseHolder: null,
    clustered: false,
    leaseConfigured: true,
    ...opts.world,
  };
  let leaseWaiters: (() => void)[] = [];
  let catchUpNow: (() => void) | null = null;
  let spareWaiters: (() => void)[] = [];
  let sendBack: ((e: SupervisorEvent) => void) | null = null;
  let readyWaiters: (() => void)[] = [];
  let pid = 1000;
  const at = '2026-01-01T00:00:00.000Z';
  const h = {
    clock,
    world,
    signals: [] as ServerSignal[],
    trace: [] as Trace[],
    spawns: 0,
    validations: 0,
    syncs: [] as string[],
    reconciles: 0,
    running: [] as string[],
  } as Harness;
  const machine = supervisorMachine.provide({
    actions: {
      noteSpawn: () => void h.running.push('read at spawn'),
      noteRunning: (_, p) => void h.running.push(p.from === 'atSpawn' ? 'runs what it read' : `runs taken: ${p.causes.join(',')}`),
    },
    actors: {
      configExists: fromPromise(async () => world.configExists),
      checkChanges: fromPromise(async ({ input }: { input: { causes: Cause[] } }) => input.causes.filter((c) => !world.unchanged.includes(c))),
      syncJwt: fromPromise(async ({ input }) => {
        h.syncs.push(input.pushAsWritten ? `${input.reason}, pushing as written` : input.reason);
        if (world.mirrorFails) throw new Error('ENOSPC: no space left on device');
        return { copied: [], removed: [], skipped: [], foreign: [] };
      }),
      validateConfig: fromPromise(async (): Promise<Validation> => {
        h.validations += 1;
        h.trace.push({ kind: 'validated', valid: world.valid });
        if (world.outOfFds) return { valid: false, message: 'could not run nats-server -t: out of file descriptors (EMFILE)', at, deferred: true };
        return world.valid
          ? { valid: true, message: 'ok', at, clustered: world.clustered, restartLease: world.clustered && world.leaseConfigured }
          : { valid: false, message: 'unknown field "prot"', at };
      }),
      serverProcess: fromCallback<ServerCommand>(({ sendBack: sb, receive }) => {
        h.spawns += 1;
        h.trace.push({ kind: 'spawn' });
        const mySendBack = sb as (e: SupervisorEvent) => void;
        sendBack = mySendBack;
        let exited = false;
        receive((c) => {
          h.signals.push(c.signal);
          const { activeCauses, restartCauses } = h.actor.getSnapshot().context;
          h.trace.push({ kind: 'signal', signal: c.signal, causes: [...activeCauses, ...restartCauses] });
          if (world.exitsOnStopSignal && !exited && ['SIGINT', 'SIGTERM', 'SIGKILL', 'SIGUSR2'].includes(c.signal)) {
            exited = true;
            queueMicrotask(() => mySendBack({ type: 'SERVER_EXITED', code: 0, signal: null, uptimeMs: 1 }));
          }
        });
        sb({ type: 'SERVER_SPAWNED', pid: ++pid, at });
      }),
      waitReady: fromPromise(async () => {
        if (world.readyHeld) await new Promise<void>((r) => readyWaiters.push(r));
        return { at };
      }),
      reloadBaseline: fromPromise(async (): Promise<ReloadBaseline> => ({ logSeq: 0, configLoadTime: null })),
      confirmReload: fromPromise(async (): Promise<ReloadConfirmation> => {
        if (world.reload === 'never') return new Promise<never>(() => undefined);
        return { outcome: world.reload, error: world.reload === 'rejected' ? 'refused' : null, at };
      }),
      catchUpCheck: fromCallback(({ sendBack: sb }) => {
        const mySendBack = sb as (e: SupervisorEvent) => void;
        if (world.catchesUp) return mySendBack({ type: 'SERVER_CAUGHT_UP' });
        mySendBack({ type: 'CATCHING_UP', reason: 'stream MEM is not current' });
        catchUpNow = () => mySendBack({ type: 'SERVER_CAUGHT_UP' });
      }),
      storeCheck: fromCallback<StoreWatchCommand, { minDelayMs: number }>(({ input, receive }) => {
        const watch = { minDelayMs: input.minDelayMs, told: false };
        h.storeChecks.push(watch);
        receive(() => void (watch.told = true));
      }),
      restartLease: fromCallback(({ sendBack: sb }) => {
        const mySendBack = sb as (e: SupervisorEvent) => void;
        const take = (): void => {
          h.leases.taken += 1;
          mySendBack({ type: 'LEASE_TAKEN' });
        };
        if (world.leaseHolder === null) take();
        else {
          mySendBack({ type: 'LEASE_WAITING', holder: world.leaseHolder });
          leaseWaiters.push(take);
        }
        return () => void (h.leases.released += 1);
      }),
      spareCheck: fromCallback(({ sendBack: sb }) => {
        const mySendBack = sb as (e: SupervisorEvent) => void;
        if (world.spared) return mySendBack({ type: 'SPARED' });
        mySendBack({ type: 'LEAVE_BLOCKED', reason: 'stream MEM would lose its quorum', gone: world.gone });
        spareWaiters.push(() => mySendBack({ type: 'SPARED' }));
      }),
      makeLeaseBucket: fromPromise<void>(async () => {
        h.buckets += 1;
      }),
      reconcile: fromPromise(async (): Promise<ReconcileReport> => {
        h.reconciles += 1;
        const purgeWaiting = world.purgeWaits ? [{ account: 'GONE', reasons: ["n2's mount still holds it"] }] : [];
        return { at, purged: [], purgeFailed: [], purgeWaiting, pushed: world.pushFails ? 0 : 1, failed: world.pushFails ? 1 : 0, skipped: 'test' };
      }),
    },
  });
  h.actor = createActor(machine, {
    clock,
    input: { mode: opts.mode ?? 'server', shutdown: opts.shutdown ?? 'term', rollingRestart: opts.rollingRestart ?? false },
  });
  h.send = (e) => h.actor.send(e);
  h.exitServer = (code = 1, signal = null, uptimeMs = 10) => sendBack?.({ type: 'SERVER_EXITED', code, signal, uptimeMs });
  h.releaseReady = () => {
    const waiters = readyWaiters;
    readyWaiters = [];
    waiters.forEach((w) => w());
  };
  h.spare = () => {
    const waiters = spareWaiters;
    spareWaiters = [];
    waiters.forEach((w) => w());
  };
  h.catchUp = () => catchUpNow?.();
  h.leases = { taken: 0, released: 0 };
  h.buckets = 0;
  h.storeChecks = [];
  h.grantLease = () => {
    const waiters = leaseWaiters;
    leaseWaiters = [];
    waiters.forEach((w) => w());
  };
  h.until = async (pred, what = 'condition') => {
    try {
      return await waitFor(h.actor, pred, { timeout: 2000 });
    } catch {
      throw new Error(`timed out waiting for ${what}; state is ${stateString(h.actor.getSnapshot())}`);
    }
  };
  h.state = () => stateString(h.actor.getSnapshot());
  h.member = () => memberStates(h.actor.getSnapshot().value);
  h.actor.start();
  return h;
}

/** Starts a harness and waits until the supervisor is idle with nats-server up. */
export async function startedHarness(opts: Parameters<typeof createHarness>[0] = {}): Promise<Harness> {
  const h = createHarness(opts);
  await h.until((s) => inState(s, { running: 'idle' }), 'running.idle');
  return h;
}

import path from 'node:path';
import type { WatchedCause } from '../../machines/events.js';
import type { Settings } from '../settings.js';
import type { ServerConfig } from '../config/server-config.js';
import { isJwtFileName } from '../operator/account-jwt.js';
import { changedPaths, snapshotDir, snapshotFiles, type Snapshot } from './hash.js';
import { isWithin } from '../util/paths.js';

/** One source's mounted paths that differ from what runs, and since when (null in step); misread ones say why. */
export interface SourceDrift {
  paths: string[];
  since: number | null;
  misread: { path: string; reason: string }[];
}

/**
 * One thing the platform mounts, with the cause its changes carry. A list that is read from the config
 * (`fromConfig`) is listed again whenever the config changes.
 */
export type SourceSpec =
  | { cause: WatchedCause; kind: 'files'; list: () => Promise<string[]>; fromConfig?: boolean }
  | { cause: WatchedCause; kind: 'dir'; dir: string; baselineFromAction?: (name: string) => boolean };

export function sourcesFor(settings: Settings, config: ServerConfig): SourceSpec[] {
  return [
    // Each scan of the config reads it again; the lists below are taken from that one parse. A config event
    // scans this source first (it comes first here, and a scan starts synchronously).
    {
      cause: 'config',
      kind: 'files',
      list: async () => {
        config.invalidate();
        return (await config.facts()).files;
      },
    },
    { cause: 'accounts', kind: 'files', list: async () => [settings.accountsPath] },
    { cause: 'tls', kind: 'dir', dir: settings.tlsDir },
    // Certificates the config names outside NATS_TLS_DIR rotate too.
    {
      cause: 'tls',
      kind: 'files',
      fromConfig: true,
      list: async () => (await config.facts()).tlsFiles.filter((f) => !isWithin(path.resolve(settings.tlsDir), f)),
    },
    // The start-up mirror reads every JWT anyway: the hashes of what it read are this source's baseline.
    { cause: 'jwt', kind: 'dir', dir: settings.jwtMountDir, baselineFromAction: isJwtFileName },
    { cause: 'creds', kind: 'dir', dir: settings.credsDir },
  ];
}

/** `next`, but for each misread path what ran before (or nothing, if nothing did). */
function withoutMisread(next: Snapshot, before: Snapshot, misread: ReadonlyMap<string, string>): Snapshot {
  if (misread.size === 0) return next;
  const kept = new Map(next);
  for (const p of misread.keys()) {
    const was = before.get(p);
    if (was === undefined) kept.delete(p);
    else kept.set(p, was);
  }
  return kept;
}

/** Where nats-server's view of a source came from: what it read when it started, or what an action took. */
export type RunningFrom = 'atSpawn' | 'taken';

/**
 * A source's current files and their hashes; `rescan` says what changed since the last scan. It also keeps
 * what the running nats-server has of them, so what is mounted can be compared with what runs (drift).
 */
export class WatchedSource {
  private snapshot: Snapshot = new Map();
  /** What the last action took for this source (at start: what nats-server started from). */
  private applied: Snapshot = new Map();
  /** What a ready nats-server runs: set only once a start is ready or a reload is confirmed. */
  private running: Snapshot = new Map();
  /** The contents when nats-server was last spawned: it reads them then, and runs them once ready. */
  private spawned: Snapshot | null = null;
  /** The mounted paths that differ from what runs, and since when (ms since the epoch; null in step). */
  private behind: SourceDrift = { paths: [], since: null, misread: [] };
  /** Mounted paths an action could not read as what they should be (path → why): nats-server keeps what it had. */
  private misread: ReadonlyMap<string, string> = new Map();
  private files: string[] = [];
  private awaitingBaseline = false;

  constructor(readonly spec: SourceSpec) {}

  /** Directories to subscribe to: a single file is watched through its parent, so replace-by-rename is seen. */
  roots(): string[] {
    if (this.spec.kind === 'dir') return [this.spec.dir];
    return [...new Set(this.files.map((f) => path.dirname(f)))];
  }

  /** What is watched, as an operator would name it: the directory, or each single file. */
  paths(): string[] {
    return this.spec.kind === 'dir' ? [this.spec.dir] : [...this.files];
  }

  covers(file: string): boolean {
    return this.roots().some((root) => isWithin(root, file));
  }

  /**
   * Makes the current contents the applied state; true when they differ from what nats-server runs. A
   * rejected edit reverted is then no change at all, and an edit rejected before is tried again.
   */
  async takeForAction(): Promise<boolean> {
    // A file caught half-written is the risk for single files, cheap to read again. A directory was
    // rescanned after its last event already, and may hold thousands of JWTs: its snapshot stands.
    if (this.spec.kind === 'files') await this.rescan();
    this.applied = this.snapshot;
    return changedPaths(this.running, this.snapshot).length > 0;
  }

  noteSpawn(): void {
    this.spawned = this.snapshot;
  }

  /**
   * nats-server now runs what it read at its spawn, or what the action it confirmed took, except the
   * `misread` paths (a JWT half written, say): for those it still runs what it ran before, so they show as drift.
   */
  markRunning(from: RunningFrom, misread: ReadonlyMap<string, string> = new Map(), now = Date.now()): void {
    const next = from === 'taken' ? this.applied : this.spawned;
    if (next) this.running = withoutMisread(next, this.running, misread);
    this.misread = misread;
    this.updateDrift(now);
  }

  /** The mounted paths that differ from what runs, and since when; empty while in step. Misread ones say why. */
  drift(): SourceDrift {
    return this.behind;
  }

  // Kept up to date where either side moves, so asking (every transition, every client) costs nothing.
  private updateDrift(now: number): void {
    const paths = changedPaths(this.running, this.snapshot);
    const misread = paths.flatMap((p) => {
      const reason = this.misread.get(p);
      return reason === undefined ? [] : [{ path: p, reason }];
    });
    this.behind = { paths, since: paths.length === 0 ? null : (this.behind.since ?? now), misread };
  }

  appliedSnapshot(): Snapshot {
    return this.applied;
  }

  runningSnapshot(): Snapshot {
    return this.running;
  }

  async start(): Promise<void> {
    this.awaitingBaseline = this.spec.kind === 'dir' && this.spec.baselineFromAction !== undefined;
    await this.rescan();
    this.applied = this.snapshot;
    this.running = this.snapshot;
    this.behind = { paths: [], since: null, misread: [] };
  }

  /**
   * The hashes of what the first action read (the start-up mirror) complete the baseline of a source whose
   * entries it reads anyway: one read of thousands of JWTs at start instead of two. Until then those
   * entries are left out of every scan; the first scan after this compares them with what was read.
   */
  adoptBaseline(hashes: Snapshot, misread: ReadonlyMap<string, string> = new Map()): void {
    if (!this.awaitingBaseline) return;
    this.awaitingBaseline = false;
    this.snapshot = new Map([...this.snapshot, ...hashes]);
    this.applied = new Map([...this.applied, ...hashes]);
    this.running = withoutMisread(new Map([...this.running, ...hashes]), this.running, misread);
    this.misread = misread;
    this.updateDrift(Date.now());
  }

  async rescan(): Promise<string[]> {
    const next = await this.scan();
    const changed = changedPaths(this.snapshot, next);
    this.snapshot = next;
    if (changed.length > 0) this.updateDrift(Date.now());
    return changed;
  }

  private async scan(): Promise<Snapshot> {
    if (this.spec.kind === 'dir') return snapshotDir(this.spec.dir, undefined, this.awaitingBaseline ? this.spec.baselineFromAction : undefined);
    this.files = await this.spec.list();
    const next = await snapshotFiles(this.files);
    // A single file missing for a moment (an editor's rename dance) is not a change: keep its last hash.
    for (const f of this.files) {
      const last = this.snapshot.get(f);
      if (!next.has(f) && last !== undefined) next.set(f, last);
    }
    return next;
  }
}

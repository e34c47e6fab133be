import path from 'node:path';
import type { WatchedCause } from '../../machines/events.js';
import type { Settings } from '../settings.js';
import type { ServerConfig } from '../config/server-config.js';
import { isJwtFileName } from '../operator/account-jwt.js';
import { changedPaths, snapshotDir, snapshotFiles, type Snapshot } from './hash.js';

/**
 * One thing the platform mounts, with the cause its changes carry. A list that is read from the config
 * (`fromConfig`) is listed again whenever the config changes.
 */
export type SourceSpec =
  | { cause: WatchedCause; kind: 'files'; list: () => Promise<string[]>; fromConfig?: boolean }
  | { cause: WatchedCause; kind: 'dir'; dir: string; baselineFromAction?: (name: string) => boolean };

const isInside = (dir: string, file: string): boolean => file.startsWith(path.resolve(dir) + path.sep);

export function sourcesFor(settings: Settings, config: ServerConfig): SourceSpec[] {
  return [
    // Each scan of the config reads it again; the lists below are taken from that one parse. A config event
    // scans this source first (it comes first here, and a scan starts synchronously).
    { cause: 'config', kind: 'files', list: async () => { config.invalidate(); return (await config.facts()).files; } },
    { cause: 'accounts', kind: 'files', list: async () => [settings.accountsPath] },
    { cause: 'tls', kind: 'dir', dir: settings.tlsDir },
    // Certificates the config names outside NATS_TLS_DIR rotate too.
    { cause: 'tls', kind: 'files', fromConfig: true, list: async () => (await config.facts()).tlsFiles.filter((f) => !isInside(settings.tlsDir, f)) },
    // The start-up mirror reads every JWT anyway: the hashes of what it read are this source's baseline.
    { cause: 'jwt', kind: 'dir', dir: settings.jwtMountDir, baselineFromAction: isJwtFileName },
    { cause: 'creds', kind: 'dir', dir: settings.credsDir },
  ];
}

/** A source's current files and their hashes; `rescan` says what changed since the last scan. */
export class WatchedSource {
  private snapshot: Snapshot = new Map();
  /** What the last action took for this source (at start: what nats-server started from). */
  private applied: Snapshot = new Map();
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
    return this.roots().some((root) => file === root || file.startsWith(root + path.sep));
  }

  /** Makes the current contents the applied state; true when they differ from what was applied before. */
  async takeForAction(): Promise<boolean> {
    // A file caught half-written is the risk for single files, cheap to read again. A directory was
    // rescanned after its last event already, and may hold thousands of JWTs: its snapshot stands.
    if (this.spec.kind === 'files') await this.rescan();
    const changed = changedPaths(this.applied, this.snapshot).length > 0;
    this.applied = this.snapshot;
    return changed;
  }

  appliedSnapshot(): Snapshot {
    return this.applied;
  }

  async start(): Promise<void> {
    this.awaitingBaseline = this.spec.kind === 'dir' && this.spec.baselineFromAction !== undefined;
    await this.rescan();
    this.applied = this.snapshot;
  }

  /**
   * The hashes of what the first action read (the start-up mirror) complete the baseline of a source whose
   * entries it reads anyway: one read of thousands of JWTs at start instead of two. Until then those
   * entries are left out of every scan; the first scan after this compares them with what was read.
   */
  adoptBaseline(hashes: Snapshot): void {
    if (!this.awaitingBaseline) return;
    this.awaitingBaseline = false;
    this.snapshot = new Map([...this.snapshot, ...hashes]);
    this.applied = new Map([...this.applied, ...hashes]);
  }

  async rescan(): Promise<string[]> {
    const next = await this.scan();
    const changed = changedPaths(this.snapshot, next);
    this.snapshot = next;
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

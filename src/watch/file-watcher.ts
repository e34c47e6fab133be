import path from 'node:path';
import type { Cause } from '../../machines/causes.js';
import type { SupervisorEvent, WatchedCause } from '../../machines/events.js';
import type { Logger } from '../logger.js';
import type { Snapshot } from './hash.js';
import { RootWatches } from './root-watches.js';
import { ScanQueue } from './scan-queue.js';
import { WatchedSource, type RunningFrom, type SourceDrift, type SourceSpec } from './sources.js';

type FsChanged = Extract<SupervisorEvent, { type: 'FS_CHANGED' }>;

/** What the watcher knows: per cause, the mounted paths that differ from what nats-server runs. */
export interface RawDrift extends SourceDrift {
  cause: WatchedCause;
}

/**
 * Turns the mounted sources into FS_CHANGED events, and answers the chart's questions about them (what changed
 * since the last action, what nats-server runs). Native events only say "look again": contents (sha256)
 * decide whether anything changed. Each directory's watch is RootWatches'; the scans are ScanQueue's.
 */
export class FileWatcher {
  private readonly sources: WatchedSource[];
  private readonly scans: ScanQueue<WatchedSource>;
  private readonly roots: RootWatches;
  private baseline: Promise<void> | null = null;

  constructor(
    specs: SourceSpec[],
    emit: (e: FsChanged) => void,
    private readonly log: Logger,
  ) {
    this.sources = specs.map((s) => new WatchedSource(s));
    this.scans = new ScanQueue<WatchedSource>(
      {
        changed: (source, paths, immediate) => emit({ type: 'FS_CHANGED', cause: source.spec.cause, paths, immediate }),
        // A rescan may have found a directory newly named (an include's, a certificate's): watch it too.
        settled: () => this.subscribe(),
      },
      log,
    );
    this.roots = new RootWatches({ changed: (root, immediate) => this.rescanRoot(root, immediate), singleFilesIn: (root) => this.singleFilesIn(root) }, log);
  }

  /** Takes the first snapshot of every source, once: the baseline nats-server starts from. */
  snapshot(): Promise<void> {
    this.baseline ??= Promise.all(this.sources.map((s) => s.start())).then(
      () => undefined,
      // Unreadable now (out of file descriptors): what it lacks shows as changed once it can be read.
      (err: unknown) => this.log.warn({ err: String(err) }, 'the watched files could not all be read at start'),
    );
    return this.baseline;
  }

  /** Completes a source's baseline with the hashes of what the first action read (see WatchedSource). */
  adoptBaseline(cause: Cause, hashes: Snapshot, misread?: ReadonlyMap<string, string>): void {
    for (const s of this.sources) if (s.spec.cause === cause) s.adoptBaseline(hashes, misread);
  }

  /** Looks once more after subscribing, so a change between the snapshot and the subscription is not missed. */
  async catchUp(): Promise<void> {
    // A baseline no action completed (its read failed) is complete as it is: what it lacks shows as changed.
    for (const s of this.sources) s.adoptBaseline(new Map());
    await Promise.all(this.sources.map((s) => this.scans.scan(s, false)));
  }

  /**
   * Of `causes`, those whose contents differ from what the last action took. A file caught half-written
   * by an event differs from what was seen before, but after the quiet period it reads whole again.
   */
  async changedSinceApplied(causes: readonly Cause[]): Promise<Cause[]> {
    const kept = await Promise.all(
      causes.map(async (cause) => {
        const sources = this.sources.filter((s) => s.spec.cause === cause);
        if (sources.length === 0) return true;
        const changed = await Promise.all(
          sources.map(async (source) => {
            await this.scans.current(source);
            return source.takeForAction();
          }),
        );
        return changed.some(Boolean);
      }),
    );
    return causes.filter((_, i) => kept[i]);
  }

  /** nats-server is being spawned: it reads every mounted file now (the JWTs come from the mirror). */
  noteSpawn(): void {
    for (const s of this.sources) if (s.spec.cause !== 'jwt') s.noteSpawn();
  }

  /** A start is ready (what it read at spawn runs), or an action was confirmed (what it took runs). */
  markRunning(from: RunningFrom, causes: readonly Cause[] = [], misread?: { cause: Cause; paths: ReadonlyMap<string, string> }): void {
    for (const s of this.sources) {
      if (from === 'atSpawn' ? s.spec.cause !== 'jwt' : causes.includes(s.spec.cause)) {
        s.markRunning(from, s.spec.cause === misread?.cause ? misread.paths : undefined);
      }
    }
  }

  /** Per watched cause: the mounted paths that differ from what nats-server runs, and since when. */
  drift(): RawDrift[] {
    const byCause = new Map<WatchedCause, SourceDrift>();
    for (const s of this.sources) {
      const d = s.drift();
      const seen = byCause.get(s.spec.cause) ?? { paths: [], since: null, misread: [] };
      const since = [seen.since, d.since].filter((t): t is number => t !== null);
      byCause.set(s.spec.cause, {
        paths: [...seen.paths, ...d.paths],
        since: since.length ? Math.min(...since) : null,
        misread: [...seen.misread, ...d.misread],
      });
    }
    return [...byCause].map(([cause, d]) => ({ cause, ...d }));
  }

  /** The contents (path → sha256) of a source as the last action took them. */
  appliedSnapshot(cause: Cause): Snapshot | undefined {
    return this.sources.find((s) => s.spec.cause === cause)?.appliedSnapshot();
  }

  /** The contents (path → sha256) of a source as the ready nats-server runs them. */
  runningSnapshot(cause: Cause): Snapshot | undefined {
    return this.sources.find((s) => s.spec.cause === cause)?.runningSnapshot();
  }

  async subscribe(): Promise<void> {
    await this.roots.ensure(new Set(this.sources.flatMap((s) => s.roots())));
  }

  async stop(): Promise<void> {
    this.scans.stop();
    await this.roots.stop();
  }

  watchedPaths(): { cause: string; roots: string[] }[] {
    return this.sources.map((s) => ({ cause: s.spec.cause, roots: s.roots() }));
  }

  /** Names of the single watched files (config, includes, accounts, certificates) directly in `root`. */
  private singleFilesIn(root: string): Set<string> {
    return new Set(
      this.sources.flatMap((s) =>
        s
          .paths()
          .filter((p) => s.spec.kind === 'files' && path.dirname(p) === root)
          .map((p) => path.basename(p)),
      ),
    );
  }

  private async rescanRoot(root: string, immediate: boolean): Promise<void> {
    const affected = this.sources.filter((s) => s.covers(root));
    // A config change may name other files: the lists read from it are taken again.
    if (affected.some((s) => s.spec.cause === 'config')) {
      for (const s of this.sources) if (s.spec.kind === 'files' && s.spec.fromConfig && !affected.includes(s)) affected.push(s);
    }
    await Promise.all(affected.map((s) => this.scans.scan(s, immediate)));
  }
}

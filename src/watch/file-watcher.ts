import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { AsyncSubscription, Event as WatchEvent } from '@parcel/watcher';
import type { Cause } from '../../machines/causes.js';
import type { SupervisorEvent, WatchedCause } from '../../machines/events.js';
import type { Logger } from '../logger.js';
import type { Snapshot } from './hash.js';
import { WatchedSource, type RunningFrom, type SourceSpec } from './sources.js';
import { SWAP_LINK, watchQuickly } from './quick-watch.js';
import { inotifyProbe } from './inotify-probe.js';
import { OutOfFileDescriptors } from '../util/read-file.js';

type FsChanged = Extract<SupervisorEvent, { type: 'FS_CHANGED' }>;

/** A native watch failure falls back to scans this often. */
const POLL_MS = 1000;

/**
 * inotify, named: left to choose, @parcel/watcher first probes for watchman by starting a shell it never waits
 * for, which stays a zombie where nothing reaps it (node as a container's PID 1).
 */
const WATCH_OPTIONS = process.platform === 'linux' ? { backend: 'inotify' as const } : {};

/**
 * Each watched root is in one of these states. `subscribing` claims the root while @parcel/watcher starts,
 * so a rescan in that window cannot subscribe it a second time.
 */
type RootWatch =
  | { kind: 'awaiting'; ancestor: FSWatcher | null; retry: NodeJS.Timeout | null }
  | { kind: 'subscribing' }
  | { kind: 'native'; sub: AsyncSubscription; quick: FSWatcher | null; identity: string | null }
  | { kind: 'polling'; timer: NodeJS.Timeout | null };

/**
 * Which directory a path names now: a replaced directory is another one. The inode alone is not enough:
 * a directory removed and made again at once often gets the same inode number back, not the same birth time.
 */
function identityOf(dir: string): string | null {
  try {
    const s = statSync(dir, { bigint: true });
    return `${s.dev}:${s.ino}:${s.birthtimeNs}`;
  } catch {
    return null;
  }
}

function nearestExisting(dir: string): string {
  let d = dir;
  while (!existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

async function close(w: RootWatch): Promise<void> {
  switch (w.kind) {
    case 'awaiting':
      w.ancestor?.close();
      if (w.retry) clearTimeout(w.retry);
      return;
    case 'subscribing':
      return; // subscribeRoot sees `stopped` when it returns and unsubscribes
    case 'native':
      w.quick?.close();
      // A directory that is gone took its inotify watch with it: removing that watch fails, and need not work.
      await w.sub.unsubscribe().catch(() => undefined);
      return;
    case 'polling':
      if (w.timer) clearTimeout(w.timer);
      return;
  }
}

/** The last step of a Kubernetes AtomicWriter update: once `..data` is renamed in, the new version is complete. */
function isAtomicSwap(events: readonly WatchEvent[]): boolean {
  return events.some((e) => path.basename(e.path) === SWAP_LINK);
}

/**
 * The kubelet writes a new version into a `..<timestamp>` dir and `..data_tmp` before swapping `..data`:
 * nothing visible changes until the swap, so those events do not cost a scan of every file.
 */
function isKubernetesStaging(root: string, event: WatchEvent): boolean {
  return path.relative(root, event.path).split(path.sep).some((seg) => seg.startsWith('..') && seg !== SWAP_LINK);
}

/**
 * Turns the mounted sources into FS_CHANGED events. Native events only say "look again":
 * contents (sha256) decide whether anything changed.
 */
export class FileWatcher {
  private readonly sources: WatchedSource[];
  private readonly roots = new Map<string, RootWatch>();
  private readonly scanning = new Map<WatchedSource, Promise<void>>();
  private readonly dirty = new Map<WatchedSource, boolean>();
  /** Sources whose last scan could not read (out of file descriptors), with the timer of the next try. */
  private readonly unreadable = new Map<WatchedSource, NodeJS.Timeout>();
  private stopped = false;
  private baseline: Promise<void> | null = null;
  /** Whether native watching can start at all; asked once, before @parcel/watcher is first loaded. */
  private native: Promise<boolean> | null = null;

  constructor(specs: SourceSpec[], private readonly emit: (e: FsChanged) => void, private readonly log: Logger) {
    this.sources = specs.map((s) => new WatchedSource(s));
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

  async subscribe(): Promise<void> {
    await this.syncSubscriptions();
  }

  /** Completes a source's baseline with the hashes of what the first action read (see WatchedSource). */
  adoptBaseline(cause: Cause, hashes: Snapshot): void {
    for (const s of this.sources) if (s.spec.cause === cause) s.adoptBaseline(hashes);
  }

  /** Looks once more after subscribing, so a change between the snapshot and the subscription is not missed. */
  async catchUp(): Promise<void> {
    // A baseline no action completed (its read failed) is complete as it is: what it lacks shows as changed.
    for (const s of this.sources) s.adoptBaseline(new Map());
    await Promise.all(this.sources.map((s) => this.rescanSource(s, false)));
  }

  /**
   * Of `causes`, those whose contents differ from what the last action took. A file caught half-written
   * by an event differs from what was seen before, but after the quiet period it reads whole again.
   */
  async changedSinceApplied(causes: readonly Cause[]): Promise<Cause[]> {
    const kept = await Promise.all(causes.map(async (cause) => {
      const sources = this.sources.filter((s) => s.spec.cause === cause);
      if (sources.length === 0) return true;
      const changed = await Promise.all(sources.map(async (source) => {
        await this.scanning.get(source);
        return source.takeForAction();
      }));
      return changed.some(Boolean);
    }));
    return causes.filter((_, i) => kept[i]);
  }

  /** nats-server is being spawned: it reads every mounted file now (the JWTs come from the mirror). */
  noteSpawn(): void {
    for (const s of this.sources) if (s.spec.cause !== 'jwt') s.noteSpawn();
  }

  /** A start is ready (what it read at spawn runs), or an action was confirmed (what it took runs). */
  markRunning(from: RunningFrom, causes: readonly Cause[] = []): void {
    for (const s of this.sources) {
      if (from === 'atSpawn' ? s.spec.cause !== 'jwt' : causes.includes(s.spec.cause)) s.markRunning(from);
    }
  }

  /** Per watched cause: the mounted paths that differ from what nats-server runs, and since when. */
  drift(): { cause: WatchedCause; paths: string[]; since: number | null }[] {
    const byCause = new Map<WatchedCause, { paths: string[]; since: number | null }>();
    for (const s of this.sources) {
      const d = s.drift();
      const seen = byCause.get(s.spec.cause) ?? { paths: [], since: null };
      const since = [seen.since, d.since].filter((t): t is number => t !== null);
      byCause.set(s.spec.cause, { paths: [...seen.paths, ...d.paths], since: since.length ? Math.min(...since) : null });
    }
    return [...byCause].map(([cause, d]) => ({ cause, ...d }));
  }

  /** The contents (path → sha256) of a source as the last action took them. */
  appliedSnapshot(cause: Cause): Snapshot | undefined {
    return this.sources.find((s) => s.spec.cause === cause)?.appliedSnapshot();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const retry of this.unreadable.values()) clearTimeout(retry);
    const watches = [...this.roots.values()];
    this.roots.clear();
    await Promise.all(watches.map(close));
  }

  watchedPaths(): { cause: string; roots: string[] }[] {
    return this.sources.map((s) => ({ cause: s.spec.cause, roots: s.roots() }));
  }

  /** Names of the single watched files (config, includes, accounts, certificates) directly in `root`. */
  private singleFilesIn(root: string): Set<string> {
    return new Set(this.sources.flatMap((s) => s.paths().filter((p) => s.spec.kind === 'files' && path.dirname(p) === root).map((p) => path.basename(p))));
  }

  private async syncSubscriptions(): Promise<void> {
    const wanted = new Set(this.sources.flatMap((s) => s.roots()));
    for (const root of wanted) if (!this.roots.has(root)) await this.subscribeRoot(root);
  }

  private nativeWatching(): Promise<boolean> {
    this.native ??= inotifyProbe().then((probe) => {
      if (!probe.ok) {
        this.log.warn({ reason: probe.reason }, 'inotify is not available (fs.inotify.max_user_instances or max_user_watches reached): watching by scanning every second');
      }
      return probe.ok;
    });
    return this.native;
  }

  private async subscribeRoot(root: string): Promise<void> {
    if (this.stopped) return;
    if (!existsSync(root)) return this.awaitRoot(root);
    this.roots.set(root, { kind: 'subscribing' });
    if (!(await this.nativeWatching())) return void (this.stopped || this.pollForever(root));
    try {
      // Loaded on first use, overlapping nats-server's first validation. Its JS is bundled; the native addon
      // it requires stays in node_modules.
      const { default: watcher } = await import('@parcel/watcher');
      const sub = await watcher.subscribe(root, (err, events) => this.onEvents(root, err, events), WATCH_OPTIONS);
      // stop() may have run while subscribing: nothing may outlive it.
      if (this.stopped) return void (await sub.unsubscribe());
      const identity = identityOf(root);
      const quick = watchQuickly(root, () => this.singleFilesIn(root), (swap) => {
        if (this.replaced(root)) this.watchAfresh(root);
        else void this.rescanSources(root, swap);
      });
      this.roots.set(root, { kind: 'native', sub, quick, identity });
    } catch (err) {
      this.log.warn({ root, err: String(err) }, 'native file watching failed; falling back to scanning every second (check inotify limits: fs.inotify.max_user_watches)');
      this.pollForever(root);
    }
  }

  // A directory that is not there yet: one non-recursive inotify watch on the nearest existing ancestor, no polling.
  private awaitRoot(root: string): void {
    if (this.stopped) return;
    const state: Extract<RootWatch, { kind: 'awaiting' }> = { kind: 'awaiting', ancestor: null, retry: null };
    // Any sign of life, or the ancestor itself failing (an unhandled 'error' would end the process):
    // look again, once, from what exists then.
    const lookAgain = (): void => {
      if (this.roots.get(root) !== state) return;
      state.ancestor?.close();
      this.retryMissing(root);
    };
    const dir = nearestExisting(root);
    try {
      state.ancestor = watch(dir, { persistent: false }, lookAgain);
      state.ancestor.on('error', lookAgain);
    } catch {
      state.retry = setTimeout(lookAgain, POLL_MS).unref();
    }
    this.roots.set(root, state);
    // A directory made between the look and the watch sends no event: look once more now that the watch is on.
    if (nearestExisting(root) !== dir) lookAgain();
  }

  /** The directory a native watch was set on is no longer the one at its path (or none is). */
  private replaced(root: string): boolean {
    const w = this.roots.get(root);
    return w?.kind === 'native' && identityOf(root) !== w.identity;
  }

  // Nothing the file system does may reach the process-wide handler, which would stop nats-server.
  private watchAfresh(root: string): void {
    this.rootLost(root).catch((err: unknown) => this.log.warn({ root, err: String(err) }, 'watching a replaced directory afresh failed; it is looked at again on its next event'));
  }

  private async rootLost(root: string): Promise<void> {
    const lost = this.roots.get(root);
    if (lost?.kind !== 'native') return;
    // Claimed while the old watch closes, so a rescan in between does not subscribe it a second time.
    this.roots.set(root, { kind: 'subscribing' });
    this.log.warn({ root }, 'a watched directory was removed or replaced; watching it again');
    await close(lost);
    this.roots.delete(root);
    await this.subscribeRoot(root);
    await this.rescanSources(root, false);
  }

  private retryMissing(root: string): void {
    this.roots.delete(root);
    if (!existsSync(root)) return void this.subscribeRoot(root);
    this.log.info({ root }, 'watched directory appeared');
    void this.subscribeRoot(root).then(() => this.rescanSources(root, false));
  }

  private pollForever(root: string): void {
    const state: Extract<RootWatch, { kind: 'polling' }> = { kind: 'polling', timer: null };
    const tick = (): void => {
      if (this.stopped || this.roots.get(root) !== state) return;
      void this.rescanSources(root, false);
      state.timer = setTimeout(tick, POLL_MS).unref();
    };
    this.roots.set(root, state);
    tick();
  }

  private hasQuickWatch(root: string): boolean {
    const w = this.roots.get(root);
    return w?.kind === 'native' && w.quick !== null;
  }

  private onEvents(root: string, err: Error | null, events: WatchEvent[]): void {
    if (err) this.log.warn({ root, err: err.message }, 'file watcher reported an error');
    // The directory itself went (removed, or replaced by a rename): its inotify watch went with it, and a
    // directory made in its place would never be seen. Watch it afresh, and look at what is there now.
    else if (this.replaced(root) || events.some((e) => e.path === root && e.type === 'delete')) this.watchAfresh(root);
    // A swap the quick watch already reported costs no second scan of every file.
    else if (events.every((e) => isKubernetesStaging(root, e) || (this.hasQuickWatch(root) && path.basename(e.path) === SWAP_LINK))) return;
    void this.rescanSources(root, isAtomicSwap(events));
  }

  private async rescanSources(root: string, immediate: boolean): Promise<void> {
    const affected = this.sources.filter((s) => s.covers(root));
    // A config change may name other files: the lists read from it are taken again.
    if (affected.some((s) => s.spec.cause === 'config')) {
      for (const s of this.sources) if (s.spec.kind === 'files' && s.spec.fromConfig && !affected.includes(s)) affected.push(s);
    }
    await Promise.all(affected.map((s) => this.rescanSource(s, immediate)));
  }

  // One scan per source at a time; events during a scan mark it dirty and it runs once more.
  private rescanSource(source: WatchedSource, immediate: boolean): Promise<void> {
    const running = this.scanning.get(source);
    if (running) {
      this.dirty.set(source, this.dirty.get(source) || immediate);
      return running;
    }
    const run = (async () => {
      let swap = immediate;
      for (;;) {
        const t0 = performance.now();
        const changed = await this.rescanOrRetry(source);
        if (changed === null) break;
        this.log.debug({ cause: source.spec.cause, changed: changed.length, ms: Math.round(performance.now() - t0) }, 'rescanned');
        // A swap that landed while this scan ran is likely what it saw: the new version is complete.
        const swapped = swap || this.dirty.get(source) === true;
        if (changed.length > 0 && !this.stopped) this.emit({ type: 'FS_CHANGED', cause: source.spec.cause, paths: changed, immediate: swapped });
        if (!this.dirty.has(source)) break;
        swap = this.dirty.get(source) ?? false;
        this.dirty.delete(source);
      }
      this.scanning.delete(source);
      await this.syncSubscriptions();
    })();
    this.scanning.set(source, run);
    return run;
  }

  /**
   * A scan that could not read (out of file descriptors) changes nothing and is tried again until it can:
   * taking an unreadable file for a missing one would lose the change that woke it.
   */
  private async rescanOrRetry(source: WatchedSource): Promise<string[] | null> {
    try {
      const changed = await source.rescan();
      const retry = this.unreadable.get(source);
      if (retry) {
        clearTimeout(retry);
        this.unreadable.delete(source);
        this.log.info({ cause: source.spec.cause }, 'watched files are readable again');
      }
      return changed;
    } catch (err) {
      if (!(err instanceof OutOfFileDescriptors)) throw err;
      const retry = this.unreadable.get(source);
      if (retry) clearTimeout(retry);
      else this.log.warn({ cause: source.spec.cause, err: err.message }, `watched files cannot be read; looking again every ${POLL_MS} ms`);
      this.dirty.delete(source);
      this.unreadable.set(source, setTimeout(() => void (this.stopped || this.rescanSource(source, false)), POLL_MS).unref());
      return null;
    }
  }
}

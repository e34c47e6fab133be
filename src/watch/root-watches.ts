import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { AsyncSubscription, Event as WatchEvent } from '@parcel/watcher';
import type { Logger } from '../logger.js';
import { isAtomicSwap, isKubernetesStaging } from './atomic-writer.js';
import { inotifyProbe } from './inotify-probe.js';
import { callWatcher, quietAfterError, WATCH_OPTIONS } from './parcel-calls.js';
import { SWAP_LINK, watchQuickly } from './quick-watch.js';

/** A native watch failure falls back to scans this often; a missing root is looked for as often. */
const POLL_MS = 1000;

/**
 * Each watched root is in one of these states. `subscribing` claims the root while @parcel/watcher starts,
 * so a rescan in that window cannot subscribe it a second time.
 */
type RootWatch =
  | { kind: 'awaiting'; ancestor: FSWatcher | null; retry: NodeJS.Timeout | null }
  | { kind: 'subscribing' }
  /** `sub` null: it reported an error, and its thread is gone (see onEvents). */
  | { kind: 'native'; sub: AsyncSubscription | null; quick: FSWatcher | null; identity: string | null }
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
      return; // subscribe() sees `stopped` when it returns and unsubscribes
    case 'native': {
      const sub = w.sub;
      w.quick?.close();
      // A directory that is gone took its inotify watch with it: removing that watch fails, and need not work.
      if (sub) await callWatcher(() => sub.unsubscribe()).catch(() => undefined);
      return;
    }
    case 'polling':
      if (w.timer) clearTimeout(w.timer);
      return;
  }
}

export interface RootEvents {
  /** Something under the root may have changed: look again (`immediate`: a Kubernetes swap landed). */
  changed(root: string, immediate: boolean): Promise<void>;
  /** Names of the single watched files directly in the root (the quick watch reports them first). */
  singleFilesIn(root: string): ReadonlySet<string>;
}

/**
 * Each watched directory's lifecycle: awaited while missing (one watch on its nearest ancestor), watched
 * natively once there (@parcel/watcher, plus the quick watch), watched afresh when removed or replaced, or
 * scanned every second when native watching cannot be had. Nothing here may throw into the process.
 */
export class RootWatches {
  private readonly roots = new Map<string, RootWatch>();
  private stopped = false;
  /** Whether native watching can start at all; asked once, before @parcel/watcher is first loaded. */
  private native: Promise<boolean> | null = null;

  constructor(
    private readonly on: RootEvents,
    private readonly log: Logger,
  ) {}

  /** Watches each of these roots not watched yet. */
  async ensure(roots: Iterable<string>): Promise<void> {
    for (const root of roots) if (!this.roots.has(root)) await this.subscribe(root);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const watches = [...this.roots.values()];
    this.roots.clear();
    await Promise.all(watches.map(close));
  }

  private nativeWatching(): Promise<boolean> {
    this.native ??= inotifyProbe().then((probe) => {
      if (!probe.ok) {
        this.log.warn(
          { reason: probe.reason },
          'inotify is not available (fs.inotify.max_user_instances or max_user_watches reached): watching by scanning every second',
        );
      }
      return probe.ok;
    });
    return this.native;
  }

  private async subscribe(root: string): Promise<void> {
    if (this.stopped) return;
    if (!existsSync(root)) return this.await(root);
    this.roots.set(root, { kind: 'subscribing' });
    if (!(await this.nativeWatching())) return void (this.stopped || this.poll(root));
    try {
      // Loaded on first use, overlapping nats-server's first validation. Its JS is bundled; the native addon
      // it requires stays in node_modules.
      const { default: watcher } = await import('@parcel/watcher');
      const sub = await callWatcher(() => watcher.subscribe(root, (err, events) => this.onEvents(root, err, events), WATCH_OPTIONS));
      // stop() may have run while subscribing: nothing may outlive it.
      if (this.stopped) return void (await callWatcher(() => sub.unsubscribe()));
      const identity = identityOf(root);
      const quick = watchQuickly(
        root,
        () => this.on.singleFilesIn(root),
        (swap) => {
          if (this.replaced(root)) this.watchAfresh(root);
          else void this.on.changed(root, swap);
        },
      );
      this.roots.set(root, { kind: 'native', sub, quick, identity });
    } catch (err) {
      this.log.warn(
        { root, err: String(err) },
        'native file watching failed; falling back to scanning every second (check inotify limits: fs.inotify.max_user_watches)',
      );
      this.poll(root);
    }
  }

  /**
   * A directory that is not there yet: one non-recursive inotify watch on the nearest existing ancestor, and a
   * look every second at whether it (or a nearer ancestor) exists, for the event inotify does not give: an
   * ancestor on a file system that sends none (network, some bind mounts), or one missed while the watch moved.
   */
  private await(root: string): void {
    if (this.stopped) return;
    const state: Extract<RootWatch, { kind: 'awaiting' }> = { kind: 'awaiting', ancestor: null, retry: null };
    // Any sign of life, or the ancestor itself failing (an unhandled 'error' would end the process):
    // look again, once, from what exists then.
    const lookAgain = (): void => {
      if (this.roots.get(root) !== state) return;
      state.ancestor?.close();
      if (state.retry) clearTimeout(state.retry);
      this.appeared(root);
    };
    const dir = nearestExisting(root);
    const check = (): void => {
      if (nearestExisting(root) !== dir) return lookAgain();
      state.retry = setTimeout(check, POLL_MS).unref();
    };
    try {
      state.ancestor = watch(dir, { persistent: false }, lookAgain);
      state.ancestor.on('error', lookAgain);
    } catch {
      state.ancestor = null;
    }
    this.roots.set(root, state);
    // A directory made between the look and the watch sends no event: look once more now that the watch is on.
    check();
  }

  private appeared(root: string): void {
    this.roots.delete(root);
    if (!existsSync(root)) return void this.subscribe(root);
    this.log.info({ root }, 'watched directory appeared');
    void this.subscribe(root).then(() => this.on.changed(root, false));
  }

  private poll(root: string): void {
    const state: Extract<RootWatch, { kind: 'polling' }> = { kind: 'polling', timer: null };
    const tick = (): void => {
      if (this.stopped || this.roots.get(root) !== state) return;
      void this.on.changed(root, false);
      state.timer = setTimeout(tick, POLL_MS).unref();
    };
    this.roots.set(root, state);
    tick();
  }

  /** The directory a native watch was set on is no longer the one at its path (or none is). */
  private replaced(root: string): boolean {
    const w = this.roots.get(root);
    return w?.kind === 'native' && identityOf(root) !== w.identity;
  }

  // Nothing the file system does may reach the process-wide handler, which would stop nats-server.
  private watchAfresh(root: string): void {
    this.lost(root).catch((err: unknown) =>
      this.log.warn({ root, err: String(err) }, 'watching a replaced directory afresh failed; it is looked at again on its next event'),
    );
  }

  private async lost(root: string): Promise<void> {
    const lost = this.roots.get(root);
    if (lost?.kind !== 'native') return;
    // Claimed while the old watch closes, so a rescan in between does not subscribe it a second time.
    this.roots.set(root, { kind: 'subscribing' });
    this.log.warn({ root }, 'a watched directory was removed or replaced; watching it again');
    await close(lost);
    this.roots.delete(root);
    await this.subscribe(root);
    await this.on.changed(root, false);
  }

  private hasQuickWatch(root: string): boolean {
    const w = this.roots.get(root);
    return w?.kind === 'native' && w.quick !== null;
  }

  private onEvents(root: string, err: Error | null, events: WatchEvent[]): void {
    // @parcel/watcher drops a subscription after reporting an error (its thread's poll interrupted, no inotify
    // watch left for a new subdirectory): nothing more would come from it. Its backend thread is gone, and
    // unsubscribing would then wait for that thread for good on the main thread (the destructor of the last
    // reference): the subscription is dropped, never unsubscribed, its descriptors left to the process.
    if (err) {
      quietAfterError();
      const w = this.roots.get(root);
      if (w?.kind === 'native') w.sub = null;
      this.log.warn({ root, err: err.message }, 'file watcher reported an error; watching the directory afresh');
      return this.watchAfresh(root);
    }
    // The directory itself went (removed, or replaced by a rename): its inotify watch went with it, and a
    // directory made in its place would never be seen. Watch it afresh, and look at what is there now.
    if (this.replaced(root) || events.some((e) => e.path === root && e.type === 'delete')) this.watchAfresh(root);
    // A swap the quick watch already reported costs no second scan of every file.
    else if (events.every((e) => isKubernetesStaging(root, e) || (this.hasQuickWatch(root) && path.basename(e.path) === SWAP_LINK))) return;
    void this.on.changed(root, isAtomicSwap(events));
  }
}

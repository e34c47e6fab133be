import type { WatchedCause } from '../../machines/events.js';
import type { Logger } from '../logger.js';
import { OutOfFileDescriptors } from '../util/read-file.js';

/** What the queue scans: a source that says which of its paths changed since its last scan. */
export interface Scannable {
  readonly spec: { readonly cause: WatchedCause };
  rescan(): Promise<string[]>;
}

/** A scan that cannot read (out of file descriptors) is tried again this often. */
export const UNREADABLE_RETRY_MS = 1000;

/**
 * One scan per source at a time: a request while one runs marks the source dirty and it runs once more
 * (an atomic swap among the requests keeps its flag). A scan that cannot read changes nothing and is tried
 * again until it can: taking an unreadable file for a missing one would lose the change that woke it.
 */
export class ScanQueue<S extends Scannable> {
  private readonly scanning = new Map<S, Promise<void>>();
  private readonly dirty = new Map<S, boolean>();
  private readonly unreadable = new Map<S, NodeJS.Timeout>();
  private stopped = false;

  /** `changed`: a scan found these paths changed; `settled`: a source's scans are done for now. */
  constructor(
    private readonly on: { changed: (source: S, paths: string[], immediate: boolean) => void; settled: () => Promise<void> },
    private readonly log: Logger,
  ) {}

  /** Resolves once the scan this request joined (or started) and any it made dirty have run. */
  scan(source: S, immediate: boolean): Promise<void> {
    const running = this.scanning.get(source);
    if (running) {
      this.dirty.set(source, this.dirty.get(source) || immediate);
      return running;
    }
    const run = this.runScans(source, immediate);
    this.scanning.set(source, run);
    return run;
  }

  /** The scan of this source under way, if any: what a reader waits for before taking its contents. */
  current(source: S): Promise<void> | undefined {
    return this.scanning.get(source);
  }

  stop(): void {
    this.stopped = true;
    for (const retry of this.unreadable.values()) clearTimeout(retry);
  }

  private async runScans(source: S, immediate: boolean): Promise<void> {
    let swap = immediate;
    for (;;) {
      const t0 = performance.now();
      const changed = await this.scanOrRetry(source);
      if (changed === null) break;
      this.log.debug({ cause: source.spec.cause, changed: changed.length, ms: Math.round(performance.now() - t0) }, 'rescanned');
      // A swap that landed while this scan ran is likely what it saw: the new version is complete.
      const swapped = swap || this.dirty.get(source) === true;
      if (changed.length > 0 && !this.stopped) this.on.changed(source, changed, swapped);
      if (!this.dirty.has(source)) break;
      swap = this.dirty.get(source) ?? false;
      this.dirty.delete(source);
    }
    this.scanning.delete(source);
    await this.on.settled();
  }

  private async scanOrRetry(source: S): Promise<string[] | null> {
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
      else this.log.warn({ cause: source.spec.cause, err: err.message }, `watched files cannot be read; looking again every ${UNREADABLE_RETRY_MS} ms`);
      this.dirty.delete(source);
      this.unreadable.set(source, setTimeout(() => void (this.stopped || this.scan(source, false)), UNREADABLE_RETRY_MS).unref());
      return null;
    }
  }
}

import path from 'node:path';
import type { Event as WatchEvent } from '@parcel/watcher';
import { SWAP_LINK } from './quick-watch.js';

/** The last step of a Kubernetes AtomicWriter update: once `..data` is renamed in, the new version is complete. */
export function isAtomicSwap(events: readonly WatchEvent[]): boolean {
  return events.some((e) => path.basename(e.path) === SWAP_LINK);
}

/**
 * The kubelet writes a new version into a `..<timestamp>` dir and `..data_tmp` before swapping `..data`:
 * nothing visible changes until the swap, so those events do not cost a scan of every file.
 */
export function isKubernetesStaging(root: string, event: WatchEvent): boolean {
  return path
    .relative(root, event.path)
    .split(path.sep)
    .some((seg) => seg.startsWith('..') && seg !== SWAP_LINK);
}

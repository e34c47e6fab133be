import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export const SWAP_LINK = '..data';

/**
 * A Kubernetes volume (`..data` linking to the current version) gets one extra, non-recursive inotify
 * watch on its root that reports the `..data` swap the moment it lands: @parcel/watcher delivers the same
 * event only after its own ~50 ms batching, and a swapped-in version is already complete.
 */
export function watchSwaps(root: string, onSwap: () => void): FSWatcher | null {
  if (!existsSync(path.join(root, SWAP_LINK))) return null;
  try {
    return watch(root, { persistent: false }, (_type, name) => {
      if (name === SWAP_LINK) onSwap();
    });
  } catch {
    return null; // @parcel/watcher still sees the swap, ~50 ms later
  }
}

import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export const SWAP_LINK = '..data';

/**
 * One extra, non-recursive inotify watch (fs.watch) on a root, for the events worth acting on before
 * @parcel/watcher's batching delivers them: the `..data` swap of a Kubernetes volume (a swapped-in
 * version is already complete) and writes to the single files watched in it (the debounce that follows
 * is the only wait they need). `names` says which entries of the root are single watched files.
 */
export function watchQuickly(root: string, names: () => ReadonlySet<string>, on: (swap: boolean) => void): FSWatcher | null {
  const swappable = existsSync(path.join(root, SWAP_LINK));
  if (!swappable && names().size === 0) return null;
  try {
    // The root's own name: the directory itself was removed or renamed away.
    const self = path.basename(root);
    const watcher = watch(root, { persistent: false }, (_type, name) => {
      if (name === SWAP_LINK && swappable) on(true);
      else if (name !== null && (names().has(name) || name === self)) on(false);
    });
    // An unhandled 'error' would end the process; @parcel/watcher keeps watching the root either way.
    watcher.on('error', () => watcher.close());
    return watcher;
  } catch {
    return null; // @parcel/watcher still reports the same changes, a batch later
  }
}

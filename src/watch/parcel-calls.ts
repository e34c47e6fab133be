import { setTimeout as sleep } from 'node:timers/promises';

/**
 * After @parcel/watcher reports an error, nothing calls into it for this long: its dying backend thread is
 * still taking itself out of the library's shared state, and a call that finds it there first freezes the
 * main thread for good (docs/watching.md).
 */
const AFTER_ERROR_MS = 1000;

/** No call into @parcel/watcher before this time. Process-wide, as the library's own state is. */
let quietUntil = 0;

/** Every call into @parcel/watcher goes through here, so none lands while an errored backend is dying. */
export async function callWatcher<T>(call: () => Promise<T>): Promise<T> {
  for (let wait = quietUntil - Date.now(); wait > 0; wait = quietUntil - Date.now()) await sleep(wait);
  return call();
}

/**
 * inotify, named: left to choose, @parcel/watcher first probes for watchman by starting a shell it never waits
 * for, which stays a zombie where nothing reaps it (node as a container's PID 1).
 */
export const WATCH_OPTIONS = process.platform === 'linux' ? { backend: 'inotify' as const } : {};

/** @parcel/watcher reported an error: no call into it for AFTER_ERROR_MS. */
export function quietAfterError(): void {
  quietUntil = Date.now() + AFTER_ERROR_MS;
}

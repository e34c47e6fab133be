import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { SupervisorActor } from '../supervisor-actor.js';
import type { FileWatcher } from './file-watcher.js';

/** How long after nats-server is first ready watching starts: its own start is done by then. */
const WATCH_AFTER_READY_MS = 300;

/** nats-server not ready by then (crash-looping, hung): watching starts all the same. */
const WATCH_AT_LATEST_MS = 5000;

/** Resolves once nats-server is first ready, or the supervisor is done without it ever being ready. */
function firstReady(actor: SupervisorActor): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      resolve();
    }, WATCH_AT_LATEST_MS);
    const sub = actor.subscribe({
      next: (s) => {
        if (s.hasTag('serverReady') || s.status !== 'active') {
          clearTimeout(timer);
          sub.unsubscribe();
          resolve();
        }
      },
      error: () => resolve(),
      complete: () => resolve(),
    });
  });
}

/**
 * When watching starts: a moment after nats-server is first ready. The inotify probe (a node child), loading the
 * native watcher and subscribing each directory all cost CPU that nats-server's own start (JetStream comes up
 * after it answers) would compete for. Nothing is missed meanwhile: the look after subscribing compares every
 * watched file with the start's snapshot. Resolves once watching (or the supervisor is done).
 */
export async function startWatching(actor: SupervisorActor, watcher: FileWatcher, logger: Logger): Promise<void> {
  await firstReady(actor);
  await sleep(WATCH_AFTER_READY_MS);
  await watcher.subscribe();
  logger.info({ watched: watcher.watchedPaths() }, 'watching');
  await watcher.catchUp();
}

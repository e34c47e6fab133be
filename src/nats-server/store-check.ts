import { statfs } from 'node:fs/promises';
import { fromCallback } from 'xstate';
import type { StoreWatchCommand, SupervisorEvent } from '../../machines/events.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { fetchJsz } from './monitor.js';
import { MonitorPoll } from './monitor-poll.js';
import { serverFacts } from './server-facts.js';

const LOOK_EVERY_MS = 2000;
/** How soon /varz is asked again for the store dir while nats-server has not answered yet (it starts in ms). */
const ASK_DIR_EVERY_MS = 250;
/** A store with room said so once; said again this often while the restart has not come (a rejected config, say). */
const SAY_AGAIN_MS = 30_000;
/** JetStream that has not answered this many looks in a row, its store full, has stopped (2.9). */
const SILENT_LOOKS = 2;
const GIB = 1024 ** 3;

export interface StoreSpace {
  freeBytes: number;
  sizeBytes: number;
}

/** Room enough to write again: a tenth of the file system, or 1 GiB on a large one (docs/faults.md). */
export function hasRoom(space: StoreSpace): boolean {
  return space.freeBytes >= Math.min(space.sizeBytes / 10, GIB);
}

async function spaceOf(dir: string): Promise<StoreSpace | null> {
  const s = await statfs(dir).catch(() => null);
  return s && { freeBytes: s.bavail * s.bsize, sizeBytes: s.blocks * s.bsize };
}

const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/** What one look found: the store's dir and room, and whether JetStream answered (null: not asked). */
interface Look {
  dir: string;
  space: StoreSpace;
  answers: boolean | null;
}

/**
 * Invoked with nats-server (the chart's storeCheck, in server.up). While the store's file system is short of room it asks
 * /jsz, and says STORE_FAILED when JetStream has stopped answering (nats-server 2.9 logs nothing when its store
 * fills up). Once the chart says the store failed (its own words, or nats-server's "Critical write error"), it
 * says STORE_HAS_ROOM when the file system has room again, no sooner than minDelayMs after the spawn.
 */
export function createStoreCheck(settings: Settings, config: ServerConfig, logger: Logger) {
  return fromCallback<StoreWatchCommand, { minDelayMs: number }>(({ sendBack: sendBackLoose, receive, input }) => {
    const sendBack = sendBackLoose as (event: SupervisorEvent) => void;
    const spawnedAt = Date.now();
    let failed = false;
    receive(() => {
      if (!failed) logger.warn('store fault: nats-server stopped writing to its JetStream store; it restarts once the store has room');
      failed = true;
    });

    // nats-server refuses to reload a new store_dir: the one it reports (/varz) holds until the next spawn. Until it
    // answers there is no guess: a wrong NATS_JETSTREAM_STORE_DIR would blind the check, and on 2.9 /varz may not
    // answer again once the store is full. With monitoring off the environment's or the config's word is all.
    let reported: string | null = null;
    let waitingForVarz = false;
    const storeDir = async (): Promise<string | null> => {
      if (reported !== null || !(await config.facts()).jetstream) return reported;
      const facts = await serverFacts(settings, config);
      waitingForVarz = !facts.reported && settings.monitorPort > 0;
      if (!waitingForVarz) reported = facts.jetstreamDir;
      return reported;
    };

    /** One look: the store's room and, while it is short of room and no fault is known, whether JetStream answers. */
    const look = async (signal: AbortSignal): Promise<Look | null> => {
      const dir = await storeDir();
      const space = dir ? await spaceOf(dir) : null;
      if (!dir || !space) return null;
      if (failed || hasRoom(space) || settings.monitorPort === 0) return { dir, space, answers: null };
      const answers = await fetchJsz(settings.monitorPort, signal).then(
        () => true,
        () => false,
      );
      return { dir, space, answers };
    };

    let silent = 0;
    let saidAt = 0;
    const judge = ({ dir, space, answers }: Look): void => {
      if (!failed) {
        silent = answers === false ? silent + 1 : 0;
        if (answers !== null) logger.debug({ dir, free: mib(space.freeBytes), silent }, 'the JetStream store is short of room');
        if (silent < SILENT_LOOKS) return;
        failed = true;
        const message = `JetStream stopped answering while its store is full (${mib(space.freeBytes)} free of ${mib(space.sizeBytes)})`;
        logger.warn({ dir }, `store fault: ${message}; nats-server restarts once the store has room`);
        return sendBack({ type: 'STORE_FAILED', message, uptimeMs: Date.now() - spawnedAt });
      }
      if (!hasRoom(space) || Date.now() - spawnedAt < input.minDelayMs || Date.now() - saidAt < SAY_AGAIN_MS) return;
      saidAt = Date.now();
      logger.info({ dir, free: mib(space.freeBytes), size: mib(space.sizeBytes) }, 'the JetStream store has room again: nats-server restarts');
      sendBack({ type: 'STORE_HAS_ROOM', freeBytes: space.freeBytes });
    };

    const poll = new MonitorPoll<Look | null>({
      ask: look,
      everyMs: () => (waitingForVarz ? ASK_DIR_EVERY_MS : LOOK_EVERY_MS),
      onAnswer: (answer) => {
        if (answer.ok && answer.value) judge(answer.value);
      },
    }).start();
    return () => poll.close();
  });
}

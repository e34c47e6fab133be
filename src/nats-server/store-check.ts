import { statfs } from 'node:fs/promises';
import { fromCallback } from 'xstate';
import type { StoreWatchCommand, SupervisorEvent } from '../../machines/events.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { fetchJszTotals, fetchVarz } from './monitor.js';
import { whatRestartLoses } from './restart-loss.js';
import { withDeadline } from '../util/deadline.js';
import { MonitorPoll } from './monitor-poll.js';
import { serverFacts } from './server-facts.js';

const LOOK_EVERY_MS = 2000;
/** How soon /varz is asked again for the store dir while nats-server has not answered yet (it starts in ms). */
const ASK_DIR_EVERY_MS = 250;
/** A store with room said so once; said again this often while the restart has not come (a rejected config, say). */
const SAY_AGAIN_MS = 30_000;
/** JetStream silent this long while nats-server answers, its store full: wedged (2.9's only sign, docs/faults.md). */
const WEDGED_MS = 10_000;
/** /jsz's own deadline inside a look, so that /varz's answer is known within the poll's 2 s. */
const JSZ_TIMEOUT_MS = 1500;
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

/** What nats-server said of its JetStream in one look, while its store is short of room. */
type JetStreamWord = 'answers' | 'disabled' | 'wedged' | 'silent';

/** What one look found: the store's dir and room, and JetStream's word (null: not asked). */
interface Look {
  dir: string;
  space: StoreSpace;
  jetstream: JetStreamWord | null;
}

/** `/varz` and `/jsz` together: JetStream silent while the server answers is a sign; both silent is a slow server. */
async function jetstreamWord(monitorPort: number, signal: AbortSignal): Promise<JetStreamWord> {
  const [server, js] = await Promise.allSettled([fetchVarz(monitorPort, signal), withDeadline(JSZ_TIMEOUT_MS, signal, (s) => fetchJszTotals(monitorPort, s))]);
  if (js.status === 'fulfilled') return js.value.disabled === true ? 'disabled' : 'answers';
  return server.status === 'fulfilled' ? 'wedged' : 'silent';
}

/**
 * Invoked with nats-server (the chart's storeCheck, in server.up). A store fault is nats-server's own word: its
 * "Critical write error" line (the process actor), /jsz saying JetStream is disabled, or, on 2.9, which says
 * nothing, JetStream not answering for 10 s while nats-server answers /varz and its store's file system is short of
 * room. A slow nats-server (neither answers) is no sign. Once the chart says the store failed, it says
 * STORE_HAS_ROOM when the file system has room again (no sooner than minDelayMs after the spawn), with what a
 * restart would lose (docs/faults.md).
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

    /** One look: the store's room and, while it is short of room and no fault is known, JetStream's word. */
    const look = async (signal: AbortSignal): Promise<Look | null> => {
      const dir = await storeDir();
      const space = dir ? await spaceOf(dir) : null;
      if (!dir || !space) return null;
      if (failed || hasRoom(space) || settings.monitorPort === 0) return { dir, space, jetstream: null };
      return { dir, space, jetstream: await jetstreamWord(settings.monitorPort, signal) };
    };

    let wedgedSince: number | null = null;
    const fault = (dir: string, message: string): void => {
      failed = true;
      logger.warn({ dir }, `store fault: ${message}; nats-server restarts once the store has room`);
      sendBack({ type: 'STORE_FAILED', message, uptimeMs: Date.now() - spawnedAt });
    };
    const judgeShort = ({ dir, space, jetstream }: Look): void => {
      const room = `${mib(space.freeBytes)} free of ${mib(space.sizeBytes)}`;
      wedgedSince = jetstream === 'wedged' ? (wedgedSince ?? Date.now()) : null;
      if (jetstream !== null && jetstream !== 'answers') logger.debug({ dir, room, jetstream }, 'the JetStream store is short of room');
      if (jetstream === 'disabled') return fault(dir, `nats-server disabled JetStream while its store is short of room (${room})`);
      if (wedgedSince !== null && Date.now() - wedgedSince >= WEDGED_MS) {
        fault(dir, `JetStream has not answered for ${WEDGED_MS / 1000} s while nats-server answers and its store is full (${room})`);
      }
    };

    let saidAt = 0;
    let weighing = false;
    const sayRoom = async (dir: string, space: StoreSpace): Promise<void> => {
      weighing = true;
      const wouldLose = await whatRestartLoses(settings.monitorPort);
      weighing = false;
      if (poll.closed) return;
      saidAt = Date.now();
      const room = { dir, free: mib(space.freeBytes), size: mib(space.sizeBytes) };
      if (wouldLose)
        logger.warn(
          { ...room, wouldLose },
          'the JetStream store has room again, but a restart would lose acked data: it waits for an operator (iofog-nats accept-loss)',
        );
      else logger.info(room, 'the JetStream store has room again: nats-server restarts');
      sendBack({ type: 'STORE_HAS_ROOM', freeBytes: space.freeBytes, wouldLose });
    };
    const judge = (look: Look): void => {
      if (!failed) return judgeShort(look);
      const { dir, space } = look;
      if (weighing || !hasRoom(space) || Date.now() - spawnedAt < input.minDelayMs || Date.now() - saidAt < SAY_AGAIN_MS) return;
      void sayRoom(dir, space);
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

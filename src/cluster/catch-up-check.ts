import { fromCallback } from 'xstate';
import type { SupervisorEvent } from '../../machines/events.js';
import type { Logger } from '../logger.js';
import { healthz } from '../nats-server/monitor.js';
import type { Settings } from '../settings.js';
import { askUntilClear } from './ask-until-clear.js';

/**
 * 2.10 fails even the full /healthz while a removed account's JetStream data is on disk (its account cannot be
 * resolved), which the purge rules may rightly keep: that alone must not hold readiness for ever.
 */
/** nats-server logs each failed /healthz at warn level: asked twice a second, not more. */
const ASK_EVERY_MS = 500;

const TOLERATED = /could not be resolved/i;

/**
 * Spawned with nats-server: asks its full /healthz (meta leader reached, every stream and consumer on this
 * member current) until it passes once, saying what it still catches up on; then SERVER_CAUGHT_UP. Only the
 * first pass counts: afterwards the health feed's cheaper questions apply, so one slow stream does not flap
 * the pod (docs/contract.md: Readiness). With monitoring off there is nothing to ask: caught up at once.
 */
export function createCatchUpCheck(settings: Pick<Settings, 'monitorPort'>, logger: Logger) {
  return fromCallback(({ sendBack: sendBackLoose }) => {
    const sendBack = sendBackLoose as (event: SupervisorEvent) => void;
    const stop = new AbortController();
    const watch = async (): Promise<void> => {
      const ask = async (signal: AbortSignal): Promise<string | null> => {
        const answer = await healthz(settings.monitorPort, '', signal);
        return answer.healthy || TOLERATED.test(answer.reason ?? '') ? null : (answer.reason ?? 'nats-server is not healthy yet');
      };
      const say = (reason: string): void => {
        logger.info({ reason }, 'catching up');
        sendBack({ type: 'CATCHING_UP', reason });
      };
      if (!(await askUntilClear(ask, say, stop.signal, ASK_EVERY_MS))) return;
      logger.info("caught up: nats-server's full /healthz passed");
      sendBack({ type: 'SERVER_CAUGHT_UP' });
    };
    if (settings.monitorPort === 0) sendBack({ type: 'SERVER_CAUGHT_UP' });
    else void watch().catch(() => undefined);
    return () => stop.abort();
  });
}

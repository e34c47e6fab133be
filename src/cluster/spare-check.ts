import { fromCallback } from 'xstate';
import type { SupervisorEvent } from '../../machines/events.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { fetchJszConsumers, fetchJszStreams, fetchRaftz, fetchVarz } from '../nats-server/monitor.js';
import { askUntilClear } from './ask-until-clear.js';
import { accountsWithReplicatedStreams, consumerGroupsOf, offlineByName, type Raftz } from './raft-groups.js';
import { goneOnly, leaveBlockers, type Blocker, type Jsz } from './spare-rule.js';

/** /jsz logs nothing: asked four times a second, so a member leaves soon after it may. */
const ASK_EVERY_MS = 250;
/** The first few reasons name what to look at; the count says how many more. */
const REASONS_SHOWN = 3;

/**
 * Why this member may not leave now, as nats-server's monitoring port shows it; empty when it may. Asked only while
 * the member waits to leave: the meta and stream groups from /jsz without consumers, the consumer groups from
 * /raftz for the accounts with a replicated stream; where there is no /raftz (2.9), from /jsz with every consumer.
 */
export async function askLeaveBlockers(monitorPort: number, signal?: AbortSignal): Promise<Blocker[]> {
  try {
    const [varz, streams] = await Promise.all([fetchVarz(monitorPort, signal), fetchJszStreams(monitorPort, signal) as Promise<Jsz>]);
    const self = varz.server_name ?? '';
    const raftz = await Promise.all(accountsWithReplicatedStreams(streams).map((a) => fetchRaftz(monitorPort, a, signal)));
    if (raftz.some((r) => r === null)) return leaveBlockers((await fetchJszConsumers(monitorPort, signal)) as Jsz, self);
    const offline = offlineByName(streams);
    const consumers = raftz.flatMap((r) => consumerGroupsOf(r as Raftz, self, offline));
    return leaveBlockers(streams, self, consumers);
  } catch {
    return [{ reason: 'nats-server does not answer /jsz or /raftz on its monitoring port', gone: [] }];
  }
}

function summarise(blockers: Blocker[]): string {
  const more = blockers.length - REASONS_SHOWN;
  const shown = blockers.slice(0, REASONS_SHOWN).map((b) => b.reason);
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/**
 * Invoked while this member waits to leave: asks until the cluster can spare it (src/cluster/spare-rule.ts),
 * saying why not meanwhile. Invoked only for a cluster member; with monitoring off (nothing to ask), spared at once.
 */
export function createSpareCheck(settings: Pick<Settings, 'monitorPort'>, logger: Logger) {
  return fromCallback(({ sendBack: sendBackLoose }) => {
    const sendBack = sendBackLoose as (event: SupervisorEvent) => void;
    const stop = new AbortController();
    const check = async (): Promise<void> => {
      if (settings.monitorPort === 0) return sendBack({ type: 'SPARED' });
      let latest: Blocker[] = [];
      const ask = async (signal: AbortSignal): Promise<string | null> => {
        latest = await askLeaveBlockers(settings.monitorPort, signal);
        return latest.length === 0 ? null : summarise(latest);
      };
      const say = (reason: string): void => {
        // Only what this very answer said: an unanswered question says nothing of who is gone.
        const gone = reason === summarise(latest) ? goneOnly(latest) : [];
        logger.warn({ reason, gone }, 'waiting to leave: the cluster cannot spare this member yet');
        sendBack({ type: 'LEAVE_BLOCKED', reason, gone });
      };
      if (!(await askUntilClear(ask, say, stop.signal, ASK_EVERY_MS))) return;
      logger.info('the cluster can spare this member');
      sendBack({ type: 'SPARED' });
    };
    void check().catch(() => undefined);
    return () => stop.abort();
  });
}

import type { InspectionEvent } from 'xstate';
import type { Logger } from '../logger.js';
import type { StatusModel } from './model.js';
import { redact, redactNullable } from '../util/redact.js';

/** Logs each transition and each new outcome the chart records; the chart itself never logs. */
export function createTransitionLogger(logger: Logger, status: StatusModel) {
  let lastError: string | null = null;
  return (ev: InspectionEvent): void => {
    if (ev.type !== '@xstate.snapshot' || ev.actorRef.sessionId !== ev.rootId) return;
    const snapshot = ev.snapshot as Parameters<StatusModel['observe']>[0];
    const { transition, reload: r, reconcile } = status.observe(snapshot, ev.event);
    const c = snapshot.context;
    const pid = c.server.pid ?? undefined;
    if (transition) logger.info({ state: transition.state, event: transition.event, pid }, `state ${transition.state}: ${transition.what}`);
    if (r) {
      const fields = { cause: r.causes.join(','), outcome: r.outcome, pid, state: transition?.state };
      const error = redactNullable(r.error);
      if (r.outcome === 'rejected') logger.error({ ...fields, error }, `change ${r.outcome}: ${error ?? ''}`);
      // A leaf restarted after nats-server refused the reload: the refusal is named.
      else if (error) logger.warn({ ...fields, error }, `change ${r.outcome}: ${error}`);
      else logger.info(fields, `change ${r.outcome}`);
    }
    if (reconcile) logger.info({ reconcile }, 'reconcile finished');
    if (c.lastError !== lastError && c.lastError && c.lastReload?.error !== c.lastError) {
      const error = redact(c.lastError);
      logger.warn({ error, pid }, error);
    }
    lastError = c.lastError;
  };
}

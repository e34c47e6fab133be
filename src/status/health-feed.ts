import type { ServerConfig } from '../config/server-config.js';
import { isReadyLine, type ServerLogBus } from '../nats-server/log.js';
import { fetchVarz, health, type Health } from '../nats-server/monitor.js';
import { ASK_TIMEOUT_MS, MonitorPoll } from '../nats-server/monitor-poll.js';
import type { Settings } from '../settings.js';
import { withDeadline } from '../util/deadline.js';
import type { FeedPort } from './feed-port.js';

const HEALTHY_EVERY_MS = 5000;
const UNHEALTHY_EVERY_MS = 1000;

/**
 * Keeps the status model's view of nats-server's own health current while nats-server is up: asked when it
 * becomes safe to signal, again when it logs that it is ready for clients (JetStream may start seconds
 * later), then every few seconds, more often while it says it is unhealthy. Beside the chart, never in its
 * way (docs/contract.md: Readiness). With monitoring off there is nothing to ask: readiness is all that is known.
 */
export function feedHealth(settings: Pick<Settings, 'monitorPort'>, config: ServerConfig, status: FeedPort, bus: ServerLogBus): { close(): void } {
  if (settings.monitorPort === 0) return { close: () => undefined };
  const poll = new MonitorPoll<Health>({
    when: () => status.ready,
    // A hung or slow nats-server (SIGSTOP, a starved CPU) accepts the connection and does not answer in time:
    // said, and its last answer stands. Only its own word makes it unhealthy.
    ask: async (signal) => health(settings.monitorPort, { jetstream: (await config.facts()).jetstream }, signal),
    everyMs: () => (status.health?.healthy === false ? UNHEALTHY_EVERY_MS : HEALTHY_EVERY_MS),
    // The server may have gone while the answer was on its way: an answer for a stopped server is stale.
    onAnswer: (answer) => {
      if (answer.ok) status.setHealth(status.ready ? answer.value : null);
      else if (status.ready) status.setUnanswered(Date.now());
    },
  }).start(HEALTHY_EVERY_MS);
  // The version the running nats-server reports, asked once per start (inspect shows it).
  const askVersion = async (): Promise<void> => {
    const varz = await withDeadline(ASK_TIMEOUT_MS, undefined, (signal) => fetchVarz(settings.monitorPort, signal)).catch(() => null);
    if (status.ready && typeof varz?.version === 'string') status.setServerVersion(varz.version);
  };
  const onTransition = (): void => {
    if (!status.ready) {
      status.setHealth(null);
      status.setServerVersion(null);
    } else if (status.health === null) {
      poll.askNow();
      if (status.serverVersion === null) void askVersion();
    }
  };
  const onLine = (line: { message: string }): void => {
    if (isReadyLine(line)) poll.askNow();
  };
  status.on('transition', onTransition);
  bus.on('line', onLine);
  return {
    close: () => {
      poll.close();
      status.off('transition', onTransition);
      bus.off('line', onLine);
    },
  };
}

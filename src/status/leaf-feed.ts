import type { Logger } from '../logger.js';
import { configuredRemotes, matchRemotes, remoteName, solicitedConnections, type LeafRemote } from '../nats-server/leaf-remotes.js';
import { fetchLeafz, fetchVarz } from '../nats-server/monitor.js';
import { MonitorPoll } from '../nats-server/monitor-poll.js';
import type { Settings } from '../settings.js';
import type { LeafRemoteView, FeedPort } from './feed-port.js';

const CONVERGING_EVERY_MS = 1000;
const CONVERGED_EVERY_MS = 5000;
/** nats-server redials a remote every second by default: one still down after this is reported. */
export const LEAF_ALERT_AFTER_MS = 10_000;

type Configured = ReturnType<typeof configuredRemotes>;
/** One look at the leaf connections: the remotes the config names and what /leafz says of them. */
type Look = { remotes: Configured; leafz: Parameters<typeof solicitedConnections>[0] };

interface Tracked {
  connected: boolean;
  since: number;
  alerted: boolean;
}

/**
 * Watches the leaf connections converge after nats-server comes up, reloads or restarts, and reports a
 * remote that does not come back: a warning and `inspect`, never a restart (a restart cannot reach an
 * unreachable hub, and it drops every client of the edge node). Beside the chart, like the health feed.
 */
export function feedLeafRemotes(settings: Pick<Settings, 'monitorPort'>, status: FeedPort, logger: Logger, now = Date.now): { close(): void } {
  if (settings.monitorPort === 0) return { close: () => undefined };
  const tracked = new Map<string, Tracked>();
  let changedAt = 0;
  let convergedReported = false;
  let wasReady = false;
  let lastReload: unknown = null;
  let poll: MonitorPoll<Look> | null = null;
  let configured: Configured | null = null;

  const track = (r: LeafRemote, at: number): LeafRemoteView => {
    const name = remoteName(r);
    const before = tracked.get(name);
    const t: Tracked = before && before.connected === r.connected ? before : { connected: r.connected, since: at, alerted: false };
    if (before?.alerted && r.connected) logger.info({ cause: 'leaf', remote: name }, 'leaf remote connected again');
    if (!t.connected && !t.alerted && at - Math.max(t.since, changedAt) >= LEAF_ALERT_AFTER_MS) {
      t.alerted = true;
      logger.warn(
        { cause: 'leaf', remote: name, downSince: new Date(t.since).toISOString() },
        'leaf remote is not connected; not restarting nats-server (a restart cannot reach an unreachable hub and would drop every client)',
      );
    }
    tracked.set(name, t);
    return { ...r, name, since: new Date(t.since).toISOString(), alerted: t.alerted };
  };

  const observe = (remotes: LeafRemote[], at: number): void => {
    const views = remotes.map((r) => track(r, at));
    for (const name of tracked.keys()) if (!views.some((v) => v.name === name)) tracked.delete(name);
    const converged = views.every((v) => v.connected);
    if (converged && !convergedReported && views.length > 0) {
      convergedReported = true;
      logger.info({ cause: 'leaf', remotes: views.length, ms: at - changedAt }, 'leaf connections converged');
    }
    status.setLeaf(views.length > 0 ? { converged, remotes: views } : null);
  };

  const look = (): MonitorPoll<Look> =>
    new MonitorPoll<Look>({
      ask: async (signal) => {
        // The configured remotes change only with a reload or a start: /varz is read once per change.
        const [remotes, leafz] = await Promise.all([
          configured ?? fetchVarz(settings.monitorPort, signal).then(configuredRemotes),
          fetchLeafz(settings.monitorPort, signal),
        ]);
        return { remotes, leafz };
      },
      everyMs: (last) => (last?.ok && status.leaf?.converged ? CONVERGED_EVERY_MS : CONVERGING_EVERY_MS),
      onAnswer: (answer) => {
        // A monitoring port that does not answer now may next time; the health feed reports it.
        if (!answer.ok) return;
        if (!status.ready) return 'done';
        configured = answer.value.remotes;
        observe(matchRemotes(configured, solicitedConnections(answer.value.leafz)), now());
        // Without remotes there is nothing to converge until the next reload or start brings some.
        return configured.length === 0 ? 'done' : undefined;
      },
    });

  const onTransition = (): void => {
    const ready = status.ready;
    const reload = status.lastReload;
    if (!ready) {
      poll?.close();
      status.setLeaf(null);
    } else if (!wasReady || reload !== lastReload) {
      changedAt = now();
      convergedReported = false;
      configured = null;
      // A leaf connection takes a redial to come up: the first look waits for one, and stays out of the
      // way of a nats-server that has only just started.
      poll?.close();
      poll = look().start(CONVERGING_EVERY_MS);
    }
    wasReady = ready;
    lastReload = reload;
  };
  status.on('transition', onTransition);
  return {
    close: () => {
      poll?.close();
      status.off('transition', onTransition);
    },
  };
}

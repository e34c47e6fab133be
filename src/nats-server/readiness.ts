import { setTimeout as sleep } from 'node:timers/promises';
import { fromPromise } from 'xstate';
import type { Ready } from '../../machines/outputs.js';
import { clientListen } from './monitor.js';
import { isReadyLine, type ServerLogBus } from './log.js';
import type { Settings } from '../settings.js';
import { accepts } from '../util/socket-probe.js';
import { withDeadline } from '../util/deadline.js';

const PROBE_INTERVAL_MS = 20;
/** One probe's deadline: whatever holds the port may accept and never answer (a hung server, a squatter). */
const PROBE_DEADLINE_MS = 2000;

/** A wildcard listen address is reached on loopback. */
const reachable = (host: string | undefined): string => (!host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

/**
 * Safe to signal and serving: the monitoring port answers (nats-server has installed its signal handlers by
 * then) and the client port it reports accepts (JetStream has started: it may take seconds, e.g. looking up
 * an account whose data is on disk but whose JWT is gone). With monitoring off: NATS_CLIENT_URL accepts.
 */
async function probeOnce(settings: Pick<Settings, 'monitorPort' | 'clientUrl'>, outer: AbortSignal): Promise<boolean> {
  try {
    return await withDeadline(PROBE_DEADLINE_MS, outer, async (signal) => {
      if (settings.monitorPort > 0) {
        const varz = await clientListen(settings.monitorPort, signal);
        return varz !== null && (await accepts({ host: reachable(varz.host), port: varz.port, signal }));
      }
      const { hostname, port } = new URL(settings.clientUrl);
      return await accepts({ host: hostname, port: Number(port || 4222), signal });
    });
  } catch (err) {
    // Past its deadline a probe is a "not yet"; only the chart's own abort ends the wait.
    if (outer.aborted) throw err;
    return false;
  }
}

/** Sleeps between probes, cut short when nats-server logs that it is ready. */
function nextProbe(bus: ServerLogBus, afterSeq: number, signal: AbortSignal): Promise<unknown> {
  const inner = new AbortController();
  const stop = (): void => inner.abort();
  signal.addEventListener('abort', stop, { once: true });
  const quiet = () => undefined;
  return Promise.race([
    sleep(PROBE_INTERVAL_MS, undefined, { signal: inner.signal }).catch(quiet),
    bus.waitFor(afterSeq, isReadyLine, inner.signal).catch(quiet),
  ]).finally(() => {
    inner.abort();
    signal.removeEventListener('abort', stop);
    signal.throwIfAborted();
  });
}

/**
 * Resolves once nats-server is safe to signal: its monitoring port answers (or, with monitoring off, its
 * client port accepts). Whether it is healthy is reported beside the chart (src/status/health-watch.ts), never
 * waited for. Runs until aborted (the chart owns the timeout).
 */
export function createWaitReady(settings: Settings, bus: ServerLogBus) {
  return fromPromise<Ready>(async ({ signal }) => {
    for (;;) {
      const seq = bus.lastSeq;
      if (await probeOnce(settings, signal)) break;
      await nextProbe(bus, seq, signal);
    }
    return { at: new Date().toISOString() };
  });
}

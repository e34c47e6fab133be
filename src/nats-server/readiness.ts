import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromPromise } from 'xstate';
import type { Ready } from '../../machines/outputs.js';
import { isHealthy } from './monitor.js';
import type { ServerLogBus } from './log.js';
import type { Settings } from '../settings.js';

const PROBE_INTERVAL_MS = 20;
const READY_LINE = /Server is ready/;

function clientPortOpen(url: string, signal: AbortSignal): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 4222), signal });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function probeOnce(settings: Pick<Settings, 'monitorPort' | 'clientUrl'>, signal: AbortSignal): Promise<boolean> {
  if (settings.monitorPort > 0) return isHealthy(settings.monitorPort, signal);
  return clientPortOpen(settings.clientUrl, signal);
}

/** Sleeps between probes, cut short when nats-server logs that it is ready. */
function nextProbe(bus: ServerLogBus, afterSeq: number, signal: AbortSignal): Promise<unknown> {
  const inner = new AbortController();
  const stop = (): void => inner.abort();
  signal.addEventListener('abort', stop, { once: true });
  const quiet = () => undefined;
  return Promise.race([
    sleep(PROBE_INTERVAL_MS, undefined, { signal: inner.signal }).catch(quiet),
    bus.waitFor(afterSeq, (l) => READY_LINE.test(l.message), inner.signal).catch(quiet),
  ]).finally(() => {
    inner.abort();
    signal.removeEventListener('abort', stop);
    signal.throwIfAborted();
  });
}

/** Resolves once nats-server answers healthy; runs until aborted (the chart owns the timeout). */
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

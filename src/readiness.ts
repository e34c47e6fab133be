import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromPromise } from 'xstate';
import type { Ready } from '../machines/outputs.js';
import { isHealthy } from './monitor-client.js';
import type { Settings } from './settings.js';

const PROBE_INTERVAL_MS = 20;

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

/** Resolves once nats-server answers healthy; runs until aborted (the chart owns the timeout). */
export function createWaitReady(settings: Settings) {
  return fromPromise<Ready>(async ({ signal }) => {
    while (!(await probeOnce(settings, signal))) {
      await sleep(PROBE_INTERVAL_MS, undefined, { signal });
    }
    return { at: new Date().toISOString() };
  });
}

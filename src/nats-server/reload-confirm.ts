import { setTimeout as sleep } from 'node:timers/promises';
import { fromPromise } from 'xstate';
import type { ConfirmReloadInput, ReloadBaseline, ReloadConfirmation } from '../../machines/outputs.js';
import { open, stat } from 'node:fs/promises';
import type { ServerConfig } from '../config/server-config.js';
import { fetchVarz } from './monitor.js';
import { parseServerLine, type ServerLogBus, type ServerLine } from './log.js';
import type { Settings } from '../settings.js';

const APPLIED = /Reloaded server configuration/;
const REFUSED = /Failed to reload server configuration:\s*(.*)$/;
const VARZ_POLL_MS = 50;
/** At most this much of a log file is read per look: a verdict line is short. */
const READ_LIMIT = 1024 * 1024;

type Deps = { settings: Settings; bus: ServerLogBus; config: ServerConfig };

export function createReloadBaseline({ settings, bus, config }: Deps) {
  return fromPromise<ReloadBaseline>(async ({ signal }) => {
    const logSeq = bus.lastSeq;
    const logFile = await logFileBaseline(config);
    if (settings.monitorPort === 0) return { logSeq, configLoadTime: null, logFile };
    const varz = await fetchVarz(settings.monitorPort, signal).catch(() => null);
    return { logSeq, configLoadTime: varz?.config_load_time ?? null, logFile };
  });
}

/** Where nats-server will write its verdict when it logs to a file: the file the config names, from its end now. */
async function logFileBaseline(config: ServerConfig): Promise<ReloadBaseline['logFile']> {
  const file = (await config.facts()).logFile;
  if (!file) return null;
  return { path: file, size: (await stat(file).catch(() => null))?.size ?? 0 };
}

function fromLog(bus: ServerLogBus, afterSeq: number, signal: AbortSignal): Promise<ReloadConfirmation> {
  const isVerdict = (l: ServerLine): boolean => APPLIED.test(l.message) || REFUSED.test(l.message);
  return bus.waitFor(afterSeq, isVerdict, signal).then((line) => {
    const refused = REFUSED.exec(line.message);
    const at = new Date().toISOString();
    return refused ? { outcome: 'rejected', error: refused[1] ?? line.message, at } : { outcome: 'applied', error: null, at };
  });
}

/**
 * For a server that logs to a file (log_file), /varz is the only sign: config_load_time moved on, and on
 * 2.11+ config_digest is the digest `nats-server -t` printed, so a load of anything else (a file edited
 * between the validation and the SIGHUP) does not confirm the config that was validated.
 */
async function fromVarz(port: number, before: string, digest: string | null, signal: AbortSignal): Promise<ReloadConfirmation> {
  for (;;) {
    await sleep(VARZ_POLL_MS, undefined, { signal });
    const varz = await fetchVarz(port, signal).catch(() => null);
    const now = varz?.config_load_time;
    const sameConfig = !digest || !varz?.config_digest || varz.config_digest === digest;
    if (now && now !== before && sameConfig) return { outcome: 'applied', error: null, at: new Date().toISOString() };
  }
}

/**
 * For a server that logs to a file with monitoring off (no /varz), the file itself: its verdict line after
 * where it ended before the SIGHUP. A file that shrank was rotated or truncated: read from its start.
 */
async function fromLogFile(file: { path: string; size: number }, signal: AbortSignal): Promise<ReloadConfirmation> {
  let offset = file.size;
  let partial = '';
  for (;;) {
    await sleep(VARZ_POLL_MS, undefined, { signal });
    const size = (await stat(file.path).catch(() => null))?.size ?? 0;
    if (size < offset) [offset, partial] = [0, ''];
    if (size === offset) continue;
    const handle = await open(file.path, 'r').catch(() => null);
    if (!handle) continue;
    const chunk = Buffer.alloc(Math.min(size - offset, READ_LIMIT));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset).finally(() => void handle.close());
    offset += bytesRead;
    const lines = (partial + chunk.subarray(0, bytesRead).toString('utf8')).split('\n');
    partial = (lines.pop() ?? '').slice(-READ_LIMIT);
    for (const raw of lines) {
      const message = parseServerLine(raw).message;
      if (APPLIED.test(message)) return { outcome: 'applied', error: null, at: new Date().toISOString() };
      const refused = REFUSED.exec(message);
      if (refused) return { outcome: 'rejected', error: refused[1] ?? message, at: new Date().toISOString() };
    }
  }
}

/** Waits for nats-server's verdict on the SIGHUP the chart just sent; the chart owns the timeout. */
export function createConfirmReload({ settings, bus }: Deps) {
  return fromPromise<ReloadConfirmation, ConfirmReloadInput>(async ({ input, signal }) => {
    const inner = new AbortController();
    const stop = (): void => inner.abort();
    signal.addEventListener('abort', stop, { once: true });
    const baseline = input.baseline ?? { logSeq: bus.lastSeq, configLoadTime: null };
    const watchers = [fromLog(bus, baseline.logSeq, inner.signal)];
    if (settings.monitorPort > 0 && baseline.configLoadTime) {
      watchers.push(fromVarz(settings.monitorPort, baseline.configLoadTime, input.digest, inner.signal));
    }
    if (baseline.logFile) watchers.push(fromLogFile(baseline.logFile, inner.signal));
    try {
      return await Promise.race(watchers);
    } finally {
      inner.abort();
      signal.removeEventListener('abort', stop);
      for (const w of watchers) w.catch(() => undefined);
    }
  });
}

import { EventEmitter } from 'node:events';

export type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const LEVELS: Record<string, PinoLevel> = {
  TRC: 'trace',
  DBG: 'debug',
  INF: 'info',
  WRN: 'warn',
  ERR: 'error',
  FTL: 'fatal',
};

export interface ServerLine {
  seq: number;
  level: PinoLevel;
  message: string;
  raw: string;
}

/** What nats-server logs once it has started (JetStream included): worth looking at it again then. */
export const isReadyLine = (line: { message: string }): boolean => /Server is ready/.test(line.message);

/**
 * nats-server's lines that mean acked data is at risk on this member (a replica that gave up catching up, a
 * stream without a leader): each becomes the supervisor's last error.
 */
const DATA_AT_RISK = /catch-?up (was )?aborted|aborting catch-?up|no leader for stream/i;
export const isDataAtRiskLine = (line: { message: string }): boolean => DATA_AT_RISK.test(line.message);

/**
 * nats-server's lines that say it stopped writing to its JetStream store ("Critical write error", "… will be
 * DISABLED"): on 2.15 the stream stays broken after the disk has room again, until nats-server restarts.
 * 2.10's "failed to store a msg … no space left on device" is not one: it recovers by itself (docs/faults.md).
 */
const STORE_FAILURE = /critical write error|will be disabled/i;
export const isStoreFailureLine = (line: { message: string }): boolean => STORE_FAILURE.test(line.message);

// "[123] 2026/11/22 20:59:41.086955 [INF] Reloaded server configuration" — pid and time are optional
// (logtime: false, syslog-style output), so only the level tag anchors the parse.
const LINE = /\[(TRC|DBG|INF|WRN|ERR|FTL)\]\s?(.*)$/;

export function parseServerLine(raw: string): Omit<ServerLine, 'seq'> {
  const m = LINE.exec(raw);
  if (!m) return { level: 'info', message: raw, raw };
  return { level: LEVELS[m[1] ?? 'INF'] ?? 'info', message: m[2] ?? '', raw };
}

/**
 * nats-server's log lines, numbered. Reload confirmation reads them: a baseline sequence
 * taken before SIGHUP makes sure an older "Reloaded" line is never counted.
 */
export class ServerLogBus extends EventEmitter<{ line: [ServerLine] }> {
  private seq = 0;
  private readonly recent: ServerLine[] = [];

  get lastSeq(): number {
    return this.seq;
  }

  push(raw: string): ServerLine {
    const line = { seq: ++this.seq, ...parseServerLine(raw) };
    this.recent.push(line);
    if (this.recent.length > 256) this.recent.shift();
    this.emit('line', line);
    return line;
  }

  /** Resolves with the first line after `afterSeq` that `match` accepts; rejects when aborted. */
  waitFor(afterSeq: number, match: (line: ServerLine) => boolean, signal: AbortSignal): Promise<ServerLine> {
    return new Promise((resolve, reject) => {
      const onLine = (line: ServerLine): void => {
        if (line.seq <= afterSeq || !match(line)) return;
        cleanup();
        resolve(line);
      };
      const onAbort = (): void => {
        cleanup();
        reject(signal.reason);
      };
      const cleanup = (): void => {
        this.off('line', onLine);
        signal.removeEventListener('abort', onAbort);
      };
      if (signal.aborted) return onAbort();
      const seen = this.recent.find((l) => l.seq > afterSeq && match(l));
      if (seen) return resolve(seen);
      this.on('line', onLine);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

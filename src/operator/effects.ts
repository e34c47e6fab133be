import { fromPromise } from 'xstate';
import type { JwtSyncReport, ReconcileInput, ReconcileReport, SyncJwtInput } from '../../machines/outputs.js';
import type { Logger } from '../logger.js';
import type { Snapshot } from '../watch/hash.js';
import type { JwtMirror, OnWritten } from './jwt-mirror.js';
import type { Reconciler } from './reconciler.js';

export interface SyncJwtParts {
  mirror: JwtMirror;
  log: Logger;
  /** The watcher's view of the mount as this action took it. */
  mountHashes: () => Snapshot | undefined;
  /** With `pushAsWritten` (a JWT-only change: the server is ready, no signal follows): each written account. */
  onWritten: OnWritten;
  /** After the start-up sync, whether it succeeded or not: the hashes of what it read. */
  onStartupRead: (hashes: Snapshot) => void;
  /** What the start-up sync waits for: the watcher's baseline, which must be taken before nats-server is spawned. */
  startupAfter: () => Promise<void>;
}

/** The chart's `syncJwt`: mirror the mount into the resolver dir and log what happened, file by file. */
export function createSyncJwt({ mirror, log, mountHashes, onWritten, onStartupRead, startupAfter }: SyncJwtParts) {
  return fromPromise<JwtSyncReport, SyncJwtInput>(async ({ input }) => {
    if (input.reason === 'startup') await startupAfter();
    let report: JwtSyncReport;
    try {
      report = await mirror.sync(mountHashes(), input.pushAsWritten ? onWritten : undefined);
    } finally {
      if (input.reason === 'startup') onStartupRead(mirror.lastReadHashes());
    }
    for (const account of report.foreign) {
      log.info(
        { cause: 'jwt', account },
        'an account in the resolver dir was never in the mount (added another way, e.g. nsc push): left there, never removed by the mirror',
      );
    }
    if (report.empty) log.debug({ cause: 'jwt', mount: report.empty }, 'JWT mirror: the mount is empty; the resolver dir is left as it is');
    if (report.recordFault) log.warn({ cause: 'jwt', reason: report.recordFault }, `JWT mirror: the record of the mount's accounts: ${report.recordFault}`);
    if (report.recordFault === null) log.info({ cause: 'jwt' }, "JWT mirror: the record of the mount's accounts is written again");
    for (const s of report.skipped) log.warn({ cause: 'jwt', file: s.name, reason: s.reason }, `JWT mirror skipped ${s.name}: ${s.reason}`);
    if (report.copied.length || report.removed.length) {
      log.info({ cause: 'jwt', reason: input.reason, copied: report.copied.length, removed: report.removed }, 'JWT mirror updated the resolver dir');
    }
    return report;
  });
}

export function createReconcile(reconciler: Reconciler) {
  return fromPromise<ReconcileReport, ReconcileInput>(({ input, signal }) => reconciler.reconcile(input, signal));
}

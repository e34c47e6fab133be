import { fromPromise } from 'xstate';
import type { Cause } from '../../machines/causes.js';
import type { JwtSyncReport, ReconcileReport, SyncJwtInput } from '../../machines/outputs.js';
import type { Logger } from '../logger.js';
import type { Snapshot } from '../watch/hash.js';
import type { JwtMirror, OnWritten } from './jwt-mirror.js';
import type { Reconciler } from './reconciler.js';

/**
 * The chart's `syncJwt`: mirror the mount into the resolver dir and log what happened, file by file.
 * `mountHashes` is the watcher's view of the mount as this action took it. With `pushAsWritten` (a
 * JWT-only change: the server is ready and no signal follows) each written account goes to `onWritten`.
 */
export function createSyncJwt(mirror: JwtMirror, log: Logger, mountHashes: () => Snapshot | undefined, onWritten: OnWritten) {
  return fromPromise<JwtSyncReport, SyncJwtInput>(async ({ input }) => {
    const report = await mirror.sync(mountHashes(), input.pushAsWritten ? onWritten : undefined);
    for (const s of report.skipped) log.warn({ cause: 'jwt', file: s.name, reason: s.reason }, `JWT mirror skipped ${s.name}: ${s.reason}`);
    if (report.copied.length || report.removed.length) {
      log.info({ cause: 'jwt', reason: input.reason, copied: report.copied.length, removed: report.removed }, 'JWT mirror updated the resolver dir');
    }
    return report;
  });
}

export function createReconcile(reconciler: Reconciler) {
  return fromPromise<ReconcileReport, { causes: Cause[] }>(({ signal }) => reconciler.reconcile(signal));
}

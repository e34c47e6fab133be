import { fromPromise } from 'xstate';
import type { Cause } from '../../machines/causes.js';
import type { JwtSyncReport, ReconcileReport } from '../../machines/outputs.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { mirrorJwts } from './jwt-mirror.js';
import type { Reconciler } from './reconciler.js';
import { serverFacts } from './server-facts.js';

/** The chart's `syncJwt`: mirror the mount into the resolver dir and log what happened, file by file. */
export function createSyncJwt(settings: Settings, log: Logger) {
  return fromPromise<JwtSyncReport, { reason: 'startup' | 'change' }>(async ({ input }) => {
    const systemAccount = async () => (await serverFacts(settings)).systemAccount;
    const report = await mirrorJwts({ mountDir: settings.jwtMountDir, jwtDir: settings.jwtDir, systemAccount });
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

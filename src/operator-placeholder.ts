import { fromPromise } from 'xstate';
import type { Cause } from '../machines/causes.js';
import type { JwtSyncReport, ReconcileReport } from '../machines/outputs.js';

// Operator mode (JWT mirror, purge, claims push) is its own piece of work (issue #3). Until it lands
// these effects do nothing and say so in their report, so `inspect` never shows a purge or push that did not happen.
const NOT_BUILT = 'operator mode (JWT mirror, purge, claims push) is not built yet';

export const syncJwtPlaceholder = fromPromise<JwtSyncReport, { reason: 'startup' | 'change' }>(async () => ({
  copied: [],
  removed: [],
  skipped: [{ name: '*', reason: NOT_BUILT }],
}));

export const reconcilePlaceholder = fromPromise<ReconcileReport, { causes: Cause[] }>(async () => ({
  at: new Date().toISOString(),
  purged: [],
  pushed: 0,
  failed: 0,
  skipped: NOT_BUILT,
}));

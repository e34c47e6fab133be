import { setTimeout as sleep } from 'node:timers/promises';
import { fromPromise } from 'xstate';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { connectForLease, memberBucket } from './lease-connection.js';
import { openLeaseBucket } from './restart-lease.js';

const RETRY_MS = 1000;
const ATTEMPTS = 60;

type LeaseBucketSettings = Pick<Settings, 'clientUrl' | 'monitorPort' | 'leaseCredsPath' | 'leaseSeconds'>;

/**
 * Invoked in `lease.preparing`, once this cluster member has caught up: makes the lease's bucket if there is
 * none, while an R3 bucket can still be placed (not while a member's JetStream is down, its store full, say).
 * Tried every RETRY_MS for a minute; failing that, the chart asks again when the member next catches up, and a
 * restart waits on the bucket, never skips it.
 */
export function createMakeLeaseBucket(settings: LeaseBucketSettings, peers: () => Promise<string[]>, logger: Logger) {
  return fromPromise<void>(async ({ signal }) => {
    const nc = await connectForLease(settings, await peers());
    try {
      let last: unknown = null;
      for (let i = 0; i < ATTEMPTS && !signal.aborted; i++) {
        if (i > 0) await sleep(RETRY_MS, undefined, { signal }).catch(() => undefined);
        try {
          await openLeaseBucket(nc, memberBucket(settings));
          return logger.info('restart lease bucket ready');
        } catch (err) {
          last = err;
          logger.debug({ err: String(err) }, 'restart lease bucket not made yet');
        }
      }
      logger.warn('the restart lease bucket could not be made; a restart the supervisor decides waits until it can be');
      throw new Error(`the restart lease bucket could not be made: ${String(last)}`);
    } finally {
      await nc.close().catch(() => undefined);
    }
  });
}

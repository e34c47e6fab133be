import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { connectForLease } from './lease-connection.js';
import { openLeaseBucket } from './restart-lease.js';

const RETRY_MS = 1000;
const ATTEMPTS = 60;

type LeaseBucketSettings = Pick<Settings, 'clientUrl' | 'monitorPort' | 'leaseCredsPath' | 'leaseSeconds'>;

/**
 * Makes the lease's bucket if there is none, once this member has caught up: an R3 bucket cannot be placed
 * while a member's JetStream is down (its store full, say), and a restart waits on the bucket, never skips it.
 * Tried again every RETRY_MS for a minute; once made, never again for this supervisor.
 */
export function createLeasePreparer(settings: LeaseBucketSettings, config: ServerConfig, logger: Logger): () => void {
  let done: Promise<boolean> | null = null;
  const attempt = async (): Promise<boolean> => {
    if (!(await config.facts()).clustered) return true;
    const made = await makeBucket();
    if (made) logger.info('restart lease bucket ready');
    else logger.warn('the restart lease bucket could not be made; a restart the supervisor decides waits until it can be');
    return made;
  };
  const makeBucket = async (): Promise<boolean> => {
    const nc = await connectForLease(settings);
    try {
      for (let i = 0; i < ATTEMPTS; i++) {
        if (i > 0) await sleep(RETRY_MS);
        const made = await openLeaseBucket(nc, { ttlMs: settings.leaseSeconds * 1000, replicas: 3 }).then(
          () => true,
          (err: unknown) => void logger.debug({ err: String(err) }, 'restart lease bucket not made yet'),
        );
        if (made) return true;
      }
      return false;
    } finally {
      await nc.close().catch(() => undefined);
    }
  };
  return () => {
    if (done) return;
    done = attempt().catch(() => false);
    void done.then((ok) => {
      if (!ok) done = null;
    });
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { fromCallback } from 'xstate';
import type { SupervisorEvent } from '../../machines/events.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { connectForLease, memberBucket } from './lease-connection.js';
import { knownMembers, memberName } from './lease-members.js';
import { openLeaseBucket, RestartLease, type TakeAnswer } from './restart-lease.js';

const RETRY_MS = 1000;
const RELEASE_ATTEMPTS = 10;

type LeaseSettings = Pick<Settings, 'clientUrl' | 'monitorPort' | 'leaseCredsPath' | 'leaseSeconds'>;

/**
 * Takes the lease, or takes it over from a holder that is no member of this cluster (by the peers nats-server
 * knows, in full): a stale lease of a renamed member or of another cluster holds nobody. When the peers cannot be
 * told in full, every holder is taken for a member.
 */
async function takeFromMembers(lease: RestartLease, settings: LeaseSettings, logger: Logger): Promise<TakeAnswer> {
  const answer = await lease.take();
  if (answer.taken || answer.revision === null) return answer;
  const members = await knownMembers(settings);
  if (!members || members.has(answer.holder)) return answer;
  const foreign = { holder: answer.holder, members: [...members].sort() };
  if (!(await lease.takeOver(answer.revision))) return answer;
  logger.warn(foreign, 'the restart lease was held under a name that is no member of this cluster: taken over');
  return { taken: true };
}

/** Asks for the lease every RETRY_MS until it is taken, saying each new holder once; null if stopped first. */
async function takeWhenFree(
  open: () => Promise<RestartLease>,
  take: (lease: RestartLease) => Promise<TakeAnswer>,
  say: (holder: string) => void,
  stop: AbortSignal,
): Promise<RestartLease | null> {
  let said: string | null = null;
  while (!stop.aborted) {
    const answer = await open()
      .then(async (lease) => ({ lease, ...(await take(lease)) }))
      .catch((err: unknown) => ({ lease: null, taken: false as const, holder: `nobody known: the lease cannot be asked for yet (${String(err)})` }));
    if (answer.taken) return answer.lease;
    if (answer.holder !== said) say((said = answer.holder));
    await sleep(RETRY_MS, undefined, { signal: stop }).catch(() => undefined);
  }
  return null;
}

/** Refreshed every quarter of its life until stopped; a refresh that fails is said, and the next one tried. */
async function keepFresh(lease: RestartLease, everyMs: number, stop: AbortSignal, logger: Logger): Promise<void> {
  while (!stop.aborted) {
    await sleep(everyMs, undefined, { signal: stop }).catch(() => undefined);
    if (stop.aborted) return;
    await lease.refresh().catch((err: unknown) => {
      logger.warn({ err: String(err) }, 'the restart lease could not be refreshed; it expires unless a later refresh works');
    });
  }
}

/**
 * Retried while the client fails over (this member's own nats-server has just restarted): a release that is
 * lost holds every other member until the lease expires.
 */
async function releaseHeld(lease: RestartLease, leaseSeconds: number, logger: Logger): Promise<void> {
  let last: unknown = null;
  for (let attempt = 0; attempt < RELEASE_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(RETRY_MS);
    try {
      const released = await lease.release();
      return logger.info(released === 'gone' && attempt === 0 ? 'restart lease already gone (expired or taken over)' : 'restart lease released');
    } catch (err) {
      last = err;
    }
  }
  logger.warn({ err: String(last) }, `the restart lease could not be released; the next member restarts once it expires (${leaseSeconds} s)`);
}

/**
 * Spawned for a restart the supervisor decides: LEASE_WAITING while another member holds the lease, LEASE_TAKEN
 * once this one does; the lease is refreshed while held and released when the actor is stopped. Invoked only for
 * a cluster member (the chart's lease region). A bucket that cannot be reached is waited on, never skipped.
 */
/** `peers`: the config's unadvertised peers (lease-connection.ts). */
export function createRestartLease(settings: LeaseSettings, peers: () => Promise<string[]>, logger: Logger) {
  return fromCallback(({ sendBack: sendBackLoose }) => {
    const sendBack = sendBackLoose as (event: SupervisorEvent) => void;
    const stop = new AbortController();
    let nc: NatsConnection | null = null;
    let opened: RestartLease | null = null;
    let lease: RestartLease | null = null;
    const open = async (): Promise<RestartLease> => {
      nc ??= await connectForLease(settings, await peers());
      opened ??= new RestartLease(await openLeaseBucket(nc, memberBucket(settings)), await memberName(settings));
      return opened;
    };
    const hold = async (): Promise<void> => {
      const say = (holder: string): void => {
        logger.info({ holder }, 'waiting for the restart lease');
        sendBack({ type: 'LEASE_WAITING', holder });
      };
      lease = await takeWhenFree(open, (l) => takeFromMembers(l, settings, logger), say, stop.signal);
      if (!lease) return;
      logger.info({ member: lease.member }, 'restart lease taken');
      sendBack({ type: 'LEASE_TAKEN' });
      await keepFresh(lease, (settings.leaseSeconds * 1000) / 4, stop.signal, logger);
    };
    const release = async (): Promise<void> => {
      if (lease?.held) await releaseHeld(lease, settings.leaseSeconds, logger);
      await nc?.close().catch(() => undefined);
    };
    // Released once holding has settled: a take still in flight when the actor stops is released too.
    const holding = hold().catch(() => undefined);
    return () => {
      stop.abort();
      void holding.then(release);
    };
  });
}

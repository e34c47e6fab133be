import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { fromCallback } from 'xstate';
import type { SupervisorEvent } from '../../machines/events.js';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import { fetchVarz } from '../nats-server/monitor.js';
import type { Settings } from '../settings.js';
import { requireLazily } from '../util/lazy-require.js';

/** The cluster's one restart at a time: a key in a JetStream KV bucket, taken with a revision check. */
const BUCKET = 'iofog_nats_restart';
const KEY = 'lease';
const RETRY_MS = 1000;
const RELEASE_ATTEMPTS = 10;

/** leaseSeconds: a member that dies holding the lease blocks the others no longer than this (the bucket's max age). */
type LeaseSettings = Pick<Settings, 'clientUrl' | 'monitorPort' | 'leaseCredsPath' | 'leaseSeconds'>;

/** The member's name in the lease: nats-server's server_name, else the host's. */
async function memberName(settings: LeaseSettings): Promise<string> {
  const varz = settings.monitorPort > 0 ? await fetchVarz(settings.monitorPort, AbortSignal.timeout(2000)).catch(() => null) : null;
  return varz?.server_name || hostname();
}

/**
 * NATS_CLIENT_URL (its userinfo as user and password) or NATS_RESTART_LEASE_CREDS. The client learns the other
 * members from nats-server and fails over to them, so the lease is kept while this member's nats-server restarts.
 */
async function connectForLease(settings: LeaseSettings): Promise<NatsConnection> {
  const { connect, credsAuthenticator } = requireLazily('@nats-io/transport-node') as typeof import('@nats-io/transport-node');
  const url = new URL(settings.clientUrl);
  const auth = settings.leaseCredsPath
    ? { authenticator: credsAuthenticator(await readFile(settings.leaseCredsPath)) }
    : url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : {};
  url.username = '';
  url.password = '';
  return connect({ servers: url.toString(), ...auth, name: 'iofog-nats restart lease', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
}

async function openBucket(nc: NatsConnection, ttlMs: number): Promise<KV> {
  const { Kvm } = requireLazily('@nats-io/kv') as typeof import('@nats-io/kv');
  return new Kvm(nc).create(BUCKET, { history: 1, ttl: ttlMs, replicas: 3 });
}

/** Takes the lease (or finds it still ours from before this supervisor restarted); null while another holds it. */
async function tryTake(kv: KV, me: string): Promise<{ revision: number } | { holder: string }> {
  try {
    return { revision: await kv.create(KEY, me) };
  } catch {
    const entry = await kv.get(KEY);
    const holder = entry && entry.operation === 'PUT' ? entry.string() : null;
    if (holder === me && entry) return { revision: await kv.update(KEY, me, entry.revision) };
    return { holder: holder ?? 'another member (its lease is being released)' };
  }
}

/** The lease's revision while this member holds it; null once it is gone or another's. */
async function ourRevision(kv: KV, me: string): Promise<number | null> {
  const entry = await kv.get(KEY);
  return entry && entry.operation === 'PUT' && entry.string() === me ? entry.revision : null;
}

/**
 * Deletes the lease while it is still this member's, retried while the client fails over (this member's own
 * nats-server has just restarted): a release that is lost holds every other member until the lease expires.
 */
async function releaseLease(kv: KV, me: string, leaseSeconds: number, logger: Logger): Promise<void> {
  let last: unknown = null;
  for (let attempt = 0; attempt < RELEASE_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(RETRY_MS);
    try {
      const revision = await ourRevision(kv, me);
      if (revision !== null) await kv.delete(KEY, { previousSeq: revision });
      else if (attempt === 0) return logger.info('restart lease already gone (expired or taken over)');
      return logger.info('restart lease released');
    } catch (err) {
      last = err;
    }
  }
  logger.warn({ err: String(last) }, `the restart lease could not be released; the next member restarts once it expires (${leaseSeconds} s)`);
}

/**
 * Makes the lease's bucket if there is none, once this member has caught up: an R3 bucket cannot be placed
 * while a member's JetStream is down (its store full, say), and a restart waits on the bucket, never skips it.
 * Tried again every RETRY_MS for a minute; once made, never again for this supervisor.
 */
export function createLeasePreparer(settings: LeaseSettings, config: ServerConfig, logger: Logger): () => void {
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
      for (let i = 0; i < 60; i++) {
        if (i > 0) await sleep(RETRY_MS);
        const made = await openBucket(nc, settings.leaseSeconds * 1000).then(
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

/**
 * Spawned for a restart the supervisor decides: LEASE_WAITING while another member holds the lease, LEASE_TAKEN
 * once this one does; the lease is refreshed while held and released (deleted at its revision) when the actor is
 * stopped. A standalone server restarts without one. A bucket that cannot be reached is waited on, never skipped.
 */
export function createRestartLease(settings: LeaseSettings, config: ServerConfig, logger: Logger) {
  return fromCallback(({ sendBack: sendBackLoose }) => {
    const sendBack = sendBackLoose as (event: SupervisorEvent) => void;
    const stop = new AbortController();
    let nc: NatsConnection | null = null;
    let bucket: KV | null = null;
    let held: { kv: KV; revision: number } | null = null;
    let me = '';
    const hold = async (): Promise<void> => {
      if (!(await config.facts()).clustered) return sendBack({ type: 'LEASE_TAKEN' });
      me = await memberName(settings);
      let said: string | null = null;
      for (;;) {
        if (stop.signal.aborted) return;
        const answer = await (async () => {
          nc ??= await connectForLease(settings);
          bucket ??= await openBucket(nc, settings.leaseSeconds * 1000);
          return tryTake(bucket, me);
        })().catch((err: unknown) => ({ holder: `nobody known: the lease bucket cannot be reached (${String(err)})` }));
        if ('revision' in answer) {
          held = { kv: bucket!, revision: answer.revision };
          break;
        }
        if (answer.holder !== said) {
          said = answer.holder;
          logger.info({ holder: said }, 'waiting for the restart lease');
          sendBack({ type: 'LEASE_WAITING', holder: said });
        }
        await sleep(RETRY_MS, undefined, { signal: stop.signal });
      }
      if (stop.signal.aborted) return;
      logger.info({ member: me }, 'restart lease taken');
      sendBack({ type: 'LEASE_TAKEN' });
      for (;;) {
        await sleep((settings.leaseSeconds * 1000) / 4, undefined, { signal: stop.signal });
        held.revision = await held.kv.update(KEY, me, held.revision).catch(async (err: unknown) => {
          // A refresh that was written but whose answer was lost (a failover) leaves a newer revision that is still ours.
          const ours = await ourRevision(held!.kv, me).catch(() => null);
          if (ours === null) logger.warn({ err: String(err) }, 'the restart lease could not be refreshed; it expires unless a later refresh works');
          return ours ?? held!.revision;
        });
      }
    };
    const release = async (): Promise<void> => {
      if (held) await releaseLease(held.kv, me, settings.leaseSeconds, logger);
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

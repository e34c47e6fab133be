import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { fetchVarz } from '../nats-server/monitor.js';
import { ASK_TIMEOUT_MS } from '../nats-server/monitor-poll.js';
import { withDeadline } from '../util/deadline.js';
import type { Settings } from '../settings.js';
import { requireLazily } from '../util/lazy-require.js';

export type LeaseConnectionSettings = Pick<Settings, 'clientUrl' | 'monitorPort' | 'leaseCredsPath'>;

/** The members' bucket: R3, so the lease outlives any one member; its age is NATS_RESTART_LEASE_SECONDS. */
export const memberBucket = (settings: Pick<Settings, 'leaseSeconds'>) => ({ ttlMs: settings.leaseSeconds * 1000, replicas: 3 });

/** The member's name in the lease: nats-server's server_name, else the host's. */
export async function memberName(settings: Pick<Settings, 'monitorPort'>): Promise<string> {
  const ask = (signal: AbortSignal) => fetchVarz(settings.monitorPort, signal);
  const varz = settings.monitorPort > 0 ? await withDeadline(ASK_TIMEOUT_MS, undefined, ask).catch(() => null) : null;
  return varz?.server_name || hostname();
}

/**
 * NATS_CLIENT_URL (its userinfo as user and password) or NATS_RESTART_LEASE_CREDS. The client learns the other
 * members from nats-server and fails over to them, so the lease is kept while this member's nats-server restarts.
 */
export async function connectForLease(settings: LeaseConnectionSettings): Promise<NatsConnection> {
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

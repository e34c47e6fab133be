import type { NatsConnection } from '@nats-io/transport-node';
import type { Settings } from '../settings.js';
import { requireLazily } from '../util/lazy-require.js';
import { natsAuth } from '../util/nats-auth.js';

export type LeaseConnectionSettings = Pick<Settings, 'clientUrl' | 'monitorPort' | 'leaseCredsPath'>;

/** The members' bucket: R3, so the lease outlives any one member; its age is NATS_RESTART_LEASE_SECONDS. */
export const memberBucket = (settings: Pick<Settings, 'leaseSeconds'>) => ({ ttlMs: settings.leaseSeconds * 1000, replicas: 3 });

/**
 * The servers the lease's connection may use: NATS_CLIENT_URL, and where the config says `no_advertise: true`, each
 * route's host at the same client port (a StatefulSet's members all listen on it; docs/cluster.md).
 */
export function leaseServers(clientUrl: string, unadvertisedPeers: string[]): string[] {
  const url = new URL(clientUrl);
  url.username = '';
  url.password = '';
  const port = url.port || '4222';
  const peers = unadvertisedPeers.map((host) => `${url.protocol}//${host.includes(':') ? `[${host}]` : host}:${port}`);
  return [...new Set([url.toString().replace(/\/$/, ''), ...peers])];
}

/**
 * NATS_CLIENT_URL (its userinfo as user and password) or NATS_RESTART_LEASE_CREDS. The client learns the other
 * members from nats-server (or from the config's routes when it advertises none) and fails over to them, so the
 * lease is kept while this member's nats-server restarts.
 */
export async function connectForLease(settings: LeaseConnectionSettings, unadvertisedPeers: string[] = []): Promise<NatsConnection> {
  const { connect } = requireLazily('@nats-io/transport-node') as typeof import('@nats-io/transport-node');
  const auth = natsAuth(settings.clientUrl, settings.leaseCredsPath);
  const servers = leaseServers(settings.clientUrl, unadvertisedPeers);
  return connect({ servers, ...auth, name: 'iofog-nats restart lease', maxReconnectAttempts: -1, reconnectTimeWait: 250 });
}

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { requireLazily } from './lazy-require.js';

/**
 * How the supervisor's own NATS connections authenticate: a creds file, read again at every (re)connect so renewed
 * creds are used, else the URL's user and password, else nothing (an anonymous client).
 */
export function natsAuth(clientUrl: string, credsPath: string | null | undefined): Partial<ConnectionOptions> {
  const { credsAuthenticator } = requireLazily('@nats-io/transport-node') as typeof import('@nats-io/transport-node');
  if (credsPath) return { authenticator: credsAuthenticator(() => readFileSync(credsPath)) };
  const url = new URL(clientUrl);
  return url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : {};
}

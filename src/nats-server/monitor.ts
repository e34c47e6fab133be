import { get } from 'node:http';

/** A member of the JetStream meta group other than the one asked, as it sees it. */
export interface MetaReplica {
  name?: string;
  current?: boolean;
  offline?: boolean;
  lag?: number;
}

/** The few nats-server monitoring endpoints the supervisor reads, on loopback. */
export interface Varz {
  config_load_time?: string;
  config_digest?: string;
  system_account?: string;
  cluster?: { name?: string };
  /** `meta`: the JetStream meta group, as /jsz's meta_cluster has it (2.9, 2.10 and 2.15 alike). */
  jetstream?: { config?: { store_dir?: string }; meta?: { name?: string; leader?: string; cluster_size?: number; replicas?: MetaReplica[] } };
  max_payload?: number;
  host?: string;
  port?: number;
  version?: string;
  server_name?: string;
  [key: string]: unknown;
}

export function monitorUrl(port: number, path: string): string {
  return `http://127.0.0.1:${port}${path}`;
}

// node:http rather than fetch: fetch pulls in undici, megabytes more resident memory for a few GETs.
function getText(url: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { signal, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function fetchJson(port: number, path: string, signal?: AbortSignal): Promise<unknown> {
  const res = await getText(monitorUrl(port, path), signal);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return JSON.parse(res.body);
}

export async function fetchVarz(port: number, signal?: AbortSignal): Promise<Varz> {
  return (await fetchJson(port, '/varz', signal)) as Varz;
}

export async function fetchLeafz(port: number, signal?: AbortSignal): Promise<object> {
  return (await fetchJson(port, '/leafz', signal)) as object;
}

/**
 * Where nats-server listens for clients, once its monitoring port answers, which it does only after it has
 * installed its signal handlers (an earlier SIGHUP kills it). Checked on 2.9, 2.10 and 2.15: a SIGHUP sent
 * the moment /varz first answers, or the client port first accepts, never killed one; sent at spawn, it
 * always did. Null while it does not answer.
 */
export async function clientListen(port: number, signal?: AbortSignal): Promise<{ host?: string; port: number } | null> {
  try {
    const varz = await fetchVarz(port, signal);
    return typeof varz.port === 'number' ? { host: typeof varz.host === 'string' ? varz.host : undefined, port: varz.port } : null;
  } catch (err) {
    if (signal?.aborted) throw err;
    return null;
  }
}

export interface Health {
  healthy: boolean;
  reason: string | null;
}

function errorOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: string }).error;
  } catch {
    return undefined;
  }
}

/**
 * One /healthz question (`query` as nats-server takes it, '' for the full check), answered as nats-server words it.
 * A question that got no answer by its deadline is no word at all: it throws (nats-server is slow, or stopped).
 */
export async function healthz(port: number, query: string, signal?: AbortSignal): Promise<Health> {
  try {
    const res = await getText(monitorUrl(port, `/healthz${query}`), signal);
    if (res.status === 200) return { healthy: true, reason: null };
    return { healthy: false, reason: errorOf(res.body) ?? `/healthz answered ${res.status}` };
  } catch (err) {
    if (signal?.aborted) throw err;
    return { healthy: false, reason: `no answer on the monitoring port: ${String(err)}` };
  }
}

/**
 * Healthy, as nats-server itself says once it has caught up: /healthz?js-server-only=true (plain /healthz walks
 * every account dir), and with JetStream configured /healthz?js-enabled-only=true as well: a store write error
 * disables JetStream and only that question notices. Reported, never waited for: 2.10 fails even js-server-only
 * while a removed account's JetStream data is on disk, which the purge rules may rightly keep.
 */
export async function health(port: number, opts: { jetstream: boolean }, signal?: AbortSignal): Promise<Health> {
  const server = await healthz(port, '?js-server-only=true', signal);
  if (!server.healthy || !opts.jetstream) return server;
  return healthz(port, '?js-enabled-only=true', signal);
}

/** JetStream's totals (`/jsz` without details): what it costs nats-server does not grow with the streams. */
export async function fetchJszTotals(port: number, signal?: AbortSignal): Promise<{ disabled?: boolean; config?: unknown }> {
  return (await fetchJson(port, '/jsz', signal)) as { disabled?: boolean; config?: unknown };
}

/** Every account's streams with their config and state, no consumers: what a restart would lose. */
export async function fetchStreams(port: number, signal?: AbortSignal): Promise<unknown> {
  return fetchJson(port, '/jsz?accounts=true&streams=true&config=true', signal);
}

/**
 * Every account's streams with their raft groups, no config and no consumers: the consumers of R1 streams are most
 * of what /jsz with consumers costs nats-server on a member holding many (docs/performance.md).
 */
export async function fetchJszStreams(port: number, signal?: AbortSignal): Promise<unknown> {
  return fetchJson(port, '/jsz?accounts=true&streams=true', signal);
}

/** The same with every consumer: where nats-server has no /raftz (2.9), the only page that shows consumer groups. */
export async function fetchJszConsumers(port: number, signal?: AbortSignal): Promise<unknown> {
  return fetchJson(port, '/jsz?accounts=true&streams=true&consumers=true', signal);
}

/**
 * One account's raft groups on this member (`acc` is the handler's parameter; bare /raftz lists only the system
 * account's). Null where nats-server answers 404: 2.9 has no such page, and a server with no raft group says so.
 */
export async function fetchRaftz(port: number, account: string, signal?: AbortSignal): Promise<unknown> {
  const res = await getText(monitorUrl(port, `/raftz?acc=${encodeURIComponent(account)}`), signal);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`/raftz answered ${res.status}`);
  return JSON.parse(res.body);
}

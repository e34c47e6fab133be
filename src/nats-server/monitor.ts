import { get } from 'node:http';

/** The few nats-server monitoring endpoints the supervisor reads, on loopback. */
export interface Varz {
  config_load_time?: string;
  config_digest?: string;
  system_account?: string;
  jetstream?: { config?: { store_dir?: string } };
  max_payload?: number;
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

export async function fetchVarz(port: number, signal?: AbortSignal): Promise<Varz> {
  const res = await getText(monitorUrl(port, '/varz'), signal);
  if (res.status !== 200) throw new Error(`/varz answered ${res.status}`);
  return JSON.parse(res.body) as Varz;
}

/** Plain /healthz walks every account dir; js-server-only answers for the server itself (contract: Supervision). */
export async function isHealthy(port: number, signal?: AbortSignal): Promise<boolean> {
  try {
    return (await getText(monitorUrl(port, '/healthz?js-server-only=true'), signal)).status === 200;
  } catch (err) {
    if (signal?.aborted) throw err;
    return false;
  }
}

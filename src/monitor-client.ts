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

export async function fetchVarz(port: number, signal?: AbortSignal): Promise<Varz> {
  const res = await fetch(monitorUrl(port, '/varz'), { signal: signal ?? null });
  if (!res.ok) throw new Error(`/varz answered ${res.status}`);
  return (await res.json()) as Varz;
}

/** Plain /healthz walks every account dir; js-server-only answers for the server itself (contract: Supervision). */
export async function isHealthy(port: number, signal?: AbortSignal): Promise<boolean> {
  try {
    const res = await fetch(monitorUrl(port, '/healthz?js-server-only=true'), { signal: signal ?? null });
    await res.arrayBuffer();
    return res.ok;
  } catch (err) {
    if (signal?.aborted) throw err;
    return false;
  }
}

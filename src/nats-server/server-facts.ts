import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServerConfig } from '../config/server-config.js';
import type { Settings } from '../settings.js';
import { fetchVarz } from './monitor.js';

export interface ServerFacts {
  systemAccount: string | null;
  /** <store_dir>/jetstream: where the account dirs are; null when it cannot be known. */
  jetstreamDir: string | null;
  storeSource: string;
  /** nats-server answered /varz: what it did not report there, it does not have. */
  reported: boolean;
}

/** The running server's own report first (/varz), the environment and the config after it. */
export async function serverFacts(settings: Settings, config: ServerConfig): Promise<ServerFacts> {
  const varz = settings.monitorPort > 0 ? await fetchVarz(settings.monitorPort).catch(() => null) : null;
  const parsed = await config.facts();
  const known = { systemAccount: varz?.system_account || parsed.systemAccount, reported: varz !== null };
  const varzStore = varz?.jetstream?.config?.store_dir;
  if (varzStore) return { ...known, jetstreamDir: varzStore, storeSource: 'varz' };
  if (settings.jetstreamStoreDir) return { ...known, jetstreamDir: path.join(settings.jetstreamStoreDir, 'jetstream'), storeSource: 'env' };
  if (parsed.storeDir) return { ...known, jetstreamDir: path.join(parsed.storeDir, 'jetstream'), storeSource: 'config' };
  // An unreadable config leaves the store unknown, and an unknown store blocks every purge.
  if (parsed.error) return { ...known, jetstreamDir: null, storeSource: `unknown (${parsed.error})` };
  return { ...known, jetstreamDir: path.join(tmpdir(), 'nats', 'jetstream'), storeSource: 'default' };
}

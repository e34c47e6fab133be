import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fetchVarz } from '../nats-server/monitor.js';
import type { Settings } from '../settings.js';
import { confGet, parseConfFile } from '../config/nats-conf.js';
import { isAccountPublicKey } from './account-jwt.js';

export interface ServerFacts {
  systemAccount: string | null;
  /** <store_dir>/jetstream: where the account dirs are; null when it cannot be known. */
  jetstreamDir: string | null;
  storeSource: string;
}

/** system_account and the JetStream store_dir from the config itself; null fields when it cannot be read. */
function fromConfig(settings: Settings): { systemAccount: string | null; storeDir: string | null; error: string | null } {
  try {
    const { config } = parseConfFile(settings.confPath);
    const sys = confGet(config, 'system_account');
    const dir = confGet(config, 'jetstream', 'store_dir') ?? confGet(config, 'jetstream', 'storedir');
    // nats-server runs with the config's directory as its working directory: relative paths start there.
    const storeDir = typeof dir === 'string' ? path.resolve(settings.confDir, dir) : null;
    return { systemAccount: typeof sys === 'string' ? sys : null, storeDir, error: null };
  } catch (err) {
    return { systemAccount: null, storeDir: null, error: String(err) };
  }
}

/** The running server's own report first (/varz), the environment and the config after it. */
export async function serverFacts(settings: Settings): Promise<ServerFacts> {
  const varz = settings.monitorPort > 0 ? await fetchVarz(settings.monitorPort).catch(() => null) : null;
  const parsed = fromConfig(settings);
  const systemAccount = varz?.system_account || parsed.systemAccount;
  const varzStore = varz?.jetstream?.config?.store_dir;
  if (varzStore) return { systemAccount, jetstreamDir: varzStore, storeSource: 'varz' };
  if (settings.jetstreamStoreDir) return { systemAccount, jetstreamDir: path.join(settings.jetstreamStoreDir, 'jetstream'), storeSource: 'env' };
  if (parsed.storeDir) return { systemAccount, jetstreamDir: path.join(parsed.storeDir, 'jetstream'), storeSource: 'config' };
  // An unreadable config leaves the store unknown, and an unknown store blocks every purge.
  if (parsed.error) return { systemAccount, jetstreamDir: null, storeSource: `unknown (${parsed.error})` };
  return { systemAccount, jetstreamDir: path.join(tmpdir(), 'nats', 'jetstream'), storeSource: 'default' };
}

export async function resolverAccounts(jwtDir: string): Promise<Set<string> | null> {
  try {
    const entries = await readdir(jwtDir);
    return new Set(entries.filter((e) => e.endsWith('.jwt')).map((e) => e.slice(0, -4)).filter(isAccountPublicKey));
  } catch {
    return null;
  }
}

export async function storeEntries(jetstreamDir: string | null): Promise<{ name: string; isDirectory: boolean }[] | null> {
  if (jetstreamDir === null) return null;
  try {
    const entries = await readdir(jetstreamDir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
  } catch (err) {
    // No store dir yet is an empty store, not an unreadable one.
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? [] : null;
  }
}

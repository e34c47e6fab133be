import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fetchVarz } from '../monitor-client.js';
import type { Settings } from '../settings.js';
import { configFiles } from '../watch/config-includes.js';
import { isAccountPublicKey } from './account-jwt.js';

export interface ServerFacts {
  systemAccount: string | null;
  /** <store_dir>/jetstream: where the account dirs are. */
  jetstreamDir: string;
  storeSource: 'varz' | 'env' | 'config' | 'default';
}

// Top-level `key: value` / `key = value` / `key value`, quoted or not. A full parser is part of issue #3.
function configValue(text: string, keys: string[]): string | null {
  for (const key of keys) {
    // At a line start or right inside a block: `jetstream { store_dir: "/data" }` is one line.
    const m = new RegExp(`(?:^|[{,;])\\s*${key}\\s*[:=]?\\s*(?:"([^"]+)"|'([^']+)'|([^\\s#;,}]+))`, 'm').exec(text);
    if (m) return m[1] ?? m[2] ?? m[3] ?? null;
  }
  return null;
}

async function fromConfig(confPath: string): Promise<{ systemAccount: string | null; storeDir: string | null }> {
  let systemAccount: string | null = null;
  let storeDir: string | null = null;
  for (const file of await configFiles(confPath)) {
    const text = await readFile(file, 'utf8').catch(() => '');
    systemAccount ??= configValue(text, ['system_account']);
    const dir = configValue(text, ['store_dir', 'storedir']);
    if (dir && !storeDir) storeDir = path.resolve(path.dirname(file), dir);
  }
  return { systemAccount, storeDir };
}

/** The running server's own report first (/varz), the environment and the config after it. */
export async function serverFacts(settings: Settings): Promise<ServerFacts> {
  const varz = settings.monitorPort > 0 ? await fetchVarz(settings.monitorPort).catch(() => null) : null;
  const parsed = await fromConfig(settings.confPath);
  const systemAccount = varz?.system_account || parsed.systemAccount;
  const varzStore = varz?.jetstream?.config?.store_dir;
  if (varzStore) return { systemAccount, jetstreamDir: varzStore, storeSource: 'varz' };
  if (settings.jetstreamStoreDir) return { systemAccount, jetstreamDir: path.join(settings.jetstreamStoreDir, 'jetstream'), storeSource: 'env' };
  if (parsed.storeDir) return { systemAccount, jetstreamDir: path.join(parsed.storeDir, 'jetstream'), storeSource: 'config' };
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

export async function storeEntries(jetstreamDir: string): Promise<{ name: string; isDirectory: boolean }[] | null> {
  try {
    const entries = await readdir(jetstreamDir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
  } catch (err) {
    // No store dir yet is an empty store, not an unreadable one.
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? [] : null;
  }
}

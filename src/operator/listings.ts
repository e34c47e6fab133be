import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isAccountPublicKey } from './account-jwt.js';

/** The accounts whose JWT is in the resolver dir; null when the dir cannot be read. */
export async function resolverAccounts(jwtDir: string): Promise<Set<string> | null> {
  try {
    const entries = await readdir(jwtDir);
    return new Set(
      entries
        .filter((e) => e.endsWith('.jwt'))
        .map((e) => e.slice(0, -4))
        .filter(isAccountPublicKey),
    );
  } catch {
    return null;
  }
}

/** The JetStream store's entries; null when the store is unknown or unreadable. */
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

/**
 * Whether this member's store still holds streams of the account: after a purge the account's dir stays, empty,
 * and one the cluster purged is not purged again. Unreadable counts as holding some.
 */
export async function storesStreams(jetstreamDir: string, account: string): Promise<boolean> {
  try {
    return (await readdir(path.join(jetstreamDir, account, 'streams'))).length > 0;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

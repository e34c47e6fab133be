import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isWithin } from '../util/paths.js';
import { listNames, readRegular } from '../util/read-file.js';
import { sha256 } from '../watch/hash.js';
import { accountClaims, isAccountPublicKey, isJwtFileName } from './account-jwt.js';
import type { LinkResolver } from './link-resolver.js';

/**
 * What one mount entry was found to be, by the sha256 of its bytes (null: not read, never reused). The
 * JWT text is kept only until it is written: thousands of remembered verdicts hold no JWT bodies.
 */
export type Taken = { key: string; sha: string; text?: string };
export type Verdict = { hash: string | null } & (Taken | { skip: string; reason: string });

export function listJwts(dir: string): string[] {
  return listNames(dir).filter(isJwtFileName);
}

export function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** The entry's real path and bytes, read from exactly the file checked to be inside the mount. */
function readInside(links: LinkResolver, mountReal: string, full: string): { bytes: Buffer } | { reason: string; unread: boolean } {
  let target = links.locate(full);
  for (let exact = false; ; exact = true) {
    if (target === null) return { reason: 'it cannot be resolved (dangling link?)', unread: true };
    // The Kubernetes layout links every file into ..data inside the mount; anything else leaving it is refused.
    if (!isWithin(mountReal, target)) return { reason: `it links outside the mount (to ${target})`, unread: false };
    const read = readRegular(target, { noFollow: true });
    if (read?.kind === 'file') return { bytes: read.bytes };
    if (read?.kind !== 'link' || exact) return { reason: 'it cannot be read', unread: true };
    target = links.resolve(full); // a link to a link: resolved all the way
  }
}

export function readEntry(links: LinkResolver, mountReal: string, dir: string, entry: string, hint: string | null): Verdict {
  const key = entry.slice(0, -'.jwt'.length);
  if (!isAccountPublicKey(key)) return { hash: hint, skip: entry, reason: 'the name is not an account public key' };
  const read = readInside(links, mountReal, path.join(dir, entry));
  if ('reason' in read) return { hash: read.unread ? null : hint, skip: entry, reason: read.reason };
  const text = read.bytes.toString('utf8').trim();
  const checked = accountClaims(text, key);
  const hash = sha256(read.bytes);
  // Equal lengths: ASCII with nothing trimmed, the same bytes: hashed once, not twice, per entry.
  const sha = text.length === read.bytes.length ? hash : sha256(text);
  return 'reason' in checked ? { hash, skip: entry, reason: checked.reason } : { hash, key, text, sha };
}

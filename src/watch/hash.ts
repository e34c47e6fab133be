import path from 'node:path';
import { mapSliced } from '../util/concurrency.js';
import { listNames, readAll, readChunks, withRegular } from '../util/read-file.js';
import { requireLazily } from '../util/lazy-require.js';

/** path → sha256 of its contents; symlinks are followed, so a Kubernetes `..data` swap shows as a content change. */
export type Snapshot = Map<string, string>;

type Crypto = typeof import('node:crypto') & { hash?: (algorithm: string, data: Buffer | string, encoding: 'hex') => string };

// Loaded at the first hash, not with the bundle: that is after the start's `nats-server -t` is spawned, so
// loading it overlaps that run instead of delaying it (docs/performance.md).
let loaded: Crypto | null = null;

/** sha256 in hex. crypto.hash (Node >= 20.12) skips the Hash object: half the cost for the small files mounts hold. */
export function sha256(data: Buffer | string): string {
  const crypto = (loaded ??= requireLazily('node:crypto') as Crypto);
  return crypto.hash?.('sha256', data, 'hex') ?? crypto.createHash('sha256').update(data).digest('hex');
}

/** Most mounted files (JWTs, creds, certs) fit: one buffer reused for every read. */
const scratch = Buffer.allocUnsafe(64 * 1024);

type Entry = { kind: 'file'; hash: string } | { kind: 'dir' } | null;

/**
 * A file's hash, or that it is a directory (symlinks followed); null when unreadable. One that fits the scratch
 * buffer is hashed in one call; a larger one is streamed through it, so a huge file dropped into a watched
 * directory costs the supervisor 64 KiB, not its size.
 */
function inspect(file: string): Entry {
  const read = withRegular(file, {}, (fd, size) => (size <= scratch.length ? sha256(readAll(fd, size, scratch)) : streamedSha256(fd)));
  if (read?.kind === 'file') return { kind: 'file', hash: read.value };
  return read?.kind === 'dir' ? { kind: 'dir' } : null;
}

function streamedSha256(fd: number): string {
  const crypto = (loaded ??= requireLazily('node:crypto') as Crypto);
  const hash = crypto.createHash('sha256');
  readChunks(fd, scratch, (part) => hash.update(part));
  return hash.digest('hex');
}

export function hashFile(file: string): string | null {
  const e = inspect(file);
  return e?.kind === 'file' ? e.hash : null;
}

/** Kubernetes keeps its versions in `..<timestamp>` dirs and `..data`; the visible names link into them. */
export function isKubernetesInternal(name: string): boolean {
  return name.startsWith('..');
}

export async function snapshotFiles(files: readonly string[]): Promise<Snapshot> {
  const hashes = await mapSliced(files, hashFile);
  return new Map(files.flatMap((f, i) => (hashes[i] ? [[f, hashes[i]] as [string, string]] : [])));
}

function listDir(dir: string): string[] {
  return listNames(dir)
    .filter((n) => !isKubernetesInternal(n))
    .map((n) => path.join(dir, n));
}

/** `skipTop`: names directly in `dir` left out (their baseline comes from elsewhere; see WatchedSource). */
export async function snapshotDir(dir: string, depth = 8, skipTop?: (name: string) => boolean): Promise<Snapshot> {
  const snap: Snapshot = new Map();
  let level = skipTop ? listDir(dir).filter((full) => !skipTop(path.basename(full))) : listDir(dir);
  for (let left = depth; level.length > 0; left--) {
    const subdirs = await mapSliced(level, (full) => {
      const e = inspect(full);
      if (e?.kind === 'file') snap.set(full, e.hash);
      return e?.kind === 'dir' && left > 0 ? full : null;
    });
    level = subdirs.flatMap((d) => (d === null ? [] : listDir(d)));
  }
  return snap;
}

/** Paths added, removed or changed between two snapshots. */
export function changedPaths(before: Snapshot, after: Snapshot): string[] {
  const changed = new Set<string>();
  for (const [p, h] of after) if (before.get(p) !== h) changed.add(p);
  for (const p of before.keys()) if (!after.has(p)) changed.add(p);
  return [...changed].sort();
}

/**
 * One digest of a snapshot, by file name and contents (not where it is mounted): members that run the same files
 * have the same digest. The first 12 hex digits; null for no snapshot or an empty one.
 */
export function snapshotDigest(snapshot: Snapshot | undefined): string | null {
  if (!snapshot || snapshot.size === 0) return null;
  const lines = [...snapshot].map(([file, hash]) => `${path.basename(file)} ${hash}`).sort();
  return sha256(lines.join('\n')).slice(0, 12);
}

import crypto from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import { mapSliced } from '../concurrency.js';

/** path → sha256 of its contents; symlinks are followed, so a Kubernetes `..data` swap shows as a content change. */
export type Snapshot = Map<string, string>;

// crypto.hash (Node ≥ 20.12) skips the Hash object: half the cost for the small files mounts hold.
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer | string, encoding: 'hex') => string }).hash;
export const sha256 = (data: Buffer | string): string => oneShot?.('sha256', data, 'hex') ?? crypto.createHash('sha256').update(data).digest('hex');

/** Most mounted files (JWTs, creds, certs) fit: one buffer reused for every read. */
const scratch = Buffer.allocUnsafe(64 * 1024);

type Entry = { kind: 'file'; hash: string } | { kind: 'dir' } | null;

/** The `size` bytes fstat reported, in as few reads as the kernel allows (one, for a small file). */
function readAll(fd: number, size: number): Buffer {
  const buf = size <= scratch.length ? scratch : Buffer.allocUnsafe(size);
  let total = 0;
  while (total < size) {
    const n = readSync(fd, buf, total, size - total, total);
    if (n === 0) break;
    total += n;
  }
  return buf.subarray(0, total);
}

/** One open per path, symlinks followed: a file's hash, or that it is a directory; null when unreadable. */
function inspect(file: string): Entry {
  let fd: number;
  try {
    // Non-blocking: a FIFO in a watched dir must not hang the supervisor (it is then skipped below).
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { kind: 'dir' };
    return st.isFile() ? { kind: 'file', hash: sha256(readAll(fd, st.size)) } : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
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
  try {
    return readdirSync(dir).filter((n) => !isKubernetesInternal(n)).map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

export async function snapshotDir(dir: string, depth = 8): Promise<Snapshot> {
  const snap: Snapshot = new Map();
  let level = listDir(dir);
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

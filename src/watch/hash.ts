import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FILE_CONCURRENCY, mapPool } from '../concurrency.js';

/** path → sha256 of its contents; symlinks are followed, so a Kubernetes `..data` swap shows as a content change. */
export type Snapshot = Map<string, string>;

export async function hashFile(file: string): Promise<string | null> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch {
    return null;
  }
}

/** Kubernetes keeps its versions in `..<timestamp>` dirs and `..data`; the visible names link into them. */
export function isKubernetesInternal(name: string): boolean {
  return name.startsWith('..');
}

export async function snapshotFiles(files: readonly string[]): Promise<Snapshot> {
  const snap: Snapshot = new Map();
  await Promise.all(files.map(async (f) => {
    const h = await hashFile(f);
    if (h !== null) snap.set(f, h);
  }));
  return snap;
}

export async function snapshotDir(dir: string, depth = 8): Promise<Snapshot> {
  const snap: Snapshot = new Map();
  const walk = async (d: string, left: number): Promise<void> => {
    const entries = await readdir(d).catch(() => [] as string[]);
    await mapPool(entries.filter((n) => !isKubernetesInternal(n)), FILE_CONCURRENCY, async (name) => {
      const full = path.join(d, name);
      const st = await stat(full).catch(() => null);
      if (st?.isDirectory() && left > 0) return walk(full, left - 1);
      if (!st?.isFile()) return;
      const h = await hashFile(full);
      if (h !== null) snap.set(full, h);
    });
  };
  await walk(dir, depth);
  return snap;
}

/** Paths added, removed or changed between two snapshots. */
export function changedPaths(before: Snapshot, after: Snapshot): string[] {
  const changed = new Set<string>();
  for (const [p, h] of after) if (before.get(p) !== h) changed.add(p);
  for (const p of before.keys()) if (!after.has(p)) changed.add(p);
  return [...changed].sort();
}

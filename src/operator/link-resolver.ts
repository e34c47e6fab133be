import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

const MAX_HOPS = 40;

function realpathOrNull(file: string): string | null {
  try {
    return realpathSync.native(file);
  } catch {
    return null;
  }
}

/**
 * realpath for the thousands of entries of one mount. The Kubernetes layout links every name into the
 * same `..data` dir: directories are resolved once, and an entry costs an lstat and a readlink instead of
 * a walk over every component of its path. A link target with a `..` segment goes to realpath(3) itself:
 * resolving it as a string would be wrong when a directory on the way is a link.
 */
export class LinkResolver {
  private readonly dirs = new Map<string, string | null>();

  resolve(file: string, hops = 0): string | null {
    let st;
    try {
      st = lstatSync(file);
    } catch {
      return null;
    }
    if (!st.isSymbolicLink()) {
      const dir = this.realDir(path.dirname(file));
      return dir === null ? null : path.join(dir, path.basename(file));
    }
    if (hops >= MAX_HOPS) return null;
    let target: string;
    try {
      target = readlinkSync(file);
    } catch {
      return null;
    }
    if (target.split('/').includes('..')) return realpathOrNull(file);
    return this.resolve(path.resolve(path.dirname(file), target), hops + 1);
  }

  private realDir(dir: string): string | null {
    if (!this.dirs.has(dir)) this.dirs.set(dir, realpathOrNull(dir));
    return this.dirs.get(dir) ?? null;
  }
}

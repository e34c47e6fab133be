import { realpathSync } from 'node:fs';
import path from 'node:path';
import { isWithin } from '../util/paths.js';
import { includePath, readConfText } from './nats-conf.js';

// `include ./accounts.conf`, `INCLUDE "a b.conf"`, `accounts { include 'x.conf' }` — the keyword in any case, as
// nats-server reads it, at a line's start or after a brace or semicolon.
const INCLUDE = /(?:^|[{;])[ \t]*include[ \t]+(?:"([^"]+)"|'([^']+)'|([^\s;#}]+))/gim;

/** NATS_CONF and every file it includes, transitively, as absolute paths. Unreadable files end the walk there. */
export async function configFiles(confPath: string): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = (() => {
      try {
        return readConfText(file);
      } catch {
        return '';
      }
    })();
    for (const m of text.matchAll(INCLUDE)) {
      const target = m[1] ?? m[2] ?? m[3];
      if (target) await visit(includePath(file, target));
    }
  };
  await visit(path.resolve(confPath));
  return withLinkTargets([...seen]);
}

/**
 * The files, and the targets of those that are symlinks to a file elsewhere: a target edited in place
 * changes nothing in the link's directory, so it is watched itself. Read again at each scan, so a link
 * pointed elsewhere is followed. Links within their own directory (the Kubernetes `..data` layout) need not be.
 */
export function withLinkTargets(files: readonly string[]): string[] {
  const targets = files.flatMap((file) => {
    const real = (() => {
      try {
        return realpathSync(file);
      } catch {
        return null;
      }
    })();
    return real && real !== file && !isWithin(path.dirname(file), real) ? [real] : [];
  });
  return [...new Set([...files, ...targets])];
}

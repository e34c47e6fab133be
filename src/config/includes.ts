import path from 'node:path';
import { readConfText } from './nats-conf.js';

// `include ./accounts.conf`, `include "a b.conf"`, `include 'x.conf';` — nats-server resolves them
// relative to the including file.
const INCLUDE = /^\s*include\s+(?:"([^"]+)"|'([^']+)'|([^\s;#]+))/gm;

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
      if (target) await visit(path.resolve(path.dirname(file), target));
    }
  };
  await visit(path.resolve(confPath));
  return [...seen];
}

import path from 'node:path';
import type { ConfMap, ConfValue } from './nats-conf.js';

const TLS_FILE_KEYS = new Set(['cert_file', 'key_file', 'ca_file']);

function collect(value: ConfValue, inTls: boolean, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collect(v, inTls, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, v] of Object.entries(value)) {
    const k = key.toLowerCase();
    if (inTls && TLS_FILE_KEYS.has(k) && typeof v === 'string') out.add(v);
    else collect(v, k === 'tls', out);
  }
}

/**
 * The cert_file, key_file and ca_file of every `tls {}` block of a parsed config (server, cluster, gateway,
 * leafnodes and their remotes, websocket, mqtt), as absolute paths. nats-server opens them relative to its
 * working directory, which the supervisor makes the config's directory.
 */
export function tlsFilesIn(config: ConfMap, confDir: string): string[] {
  const files = new Set<string>();
  collect(config, false, files);
  return [...files].map((f) => path.resolve(confDir, f)).sort();
}

import path from 'node:path';
import { configFiles } from './includes.js';
import { confGet, parseConfFile, type ConfMap } from './nats-conf.js';
import { tlsFilesIn } from './tls-files.js';

/** What the supervisor needs from the server config. */
export interface ConfigFacts {
  /** NATS_CONF and every file it includes, transitively, absolute. */
  files: string[];
  /** cert_file, key_file and ca_file of every `tls {}` block, absolute. */
  tlsFiles: string[];
  /** jetstream.store_dir, absolute (nats-server runs in the config's directory); null when not set. */
  storeDir: string | null;
  systemAccount: string | null;
  /** Why the config does not parse; then only `files` is known, from the include lines alone. */
  error: string | null;
}

function factsOf(config: ConfMap, includes: string[], confPath: string): ConfigFacts {
  const confDir = path.dirname(confPath);
  const sys = confGet(config, 'system_account');
  const dir = confGet(config, 'jetstream', 'store_dir') ?? confGet(config, 'jetstream', 'storedir');
  return {
    files: [confPath, ...new Set(includes.filter((f) => f !== confPath))],
    tlsFiles: tlsFilesIn(config, confDir),
    storeDir: typeof dir === 'string' ? path.resolve(confDir, dir) : null,
    systemAccount: typeof sys === 'string' ? sys : null,
    error: null,
  };
}

async function read(confPath: string, env: Record<string, string | undefined>): Promise<ConfigFacts> {
  try {
    const { config, includes } = parseConfFile(confPath, env);
    return factsOf(config, includes, confPath);
  } catch (err) {
    // A config broken mid-edit still names its includes: they stay watched, so the fix is seen.
    return { files: await configFiles(confPath), tlsFiles: [], storeDir: null, systemAccount: null, error: String(err) };
  }
}

/**
 * NATS_CONF, read and parsed once per change and shared by everyone who needs something from it: the watcher
 * (its includes and the certificates it names), the purge rules and `check` (store dir, system account).
 * The watcher's scan of the config source calls `invalidate()`; the next `facts()` parses again.
 */
export class ServerConfig {
  private current: Promise<ConfigFacts> | null = null;
  readonly confPath: string;

  constructor(confPath: string, private readonly env: Record<string, string | undefined> = process.env) {
    this.confPath = path.resolve(confPath);
  }

  invalidate(): void {
    this.current = null;
  }

  facts(): Promise<ConfigFacts> {
    this.current ??= read(this.confPath, this.env);
    return this.current;
  }
}

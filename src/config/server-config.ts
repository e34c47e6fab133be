import path from 'node:path';
import { configFiles, withLinkTargets } from './includes.js';
import { ConfHazard, confGet, parseConfFile, readConfText, type ConfMap, type ConfValue } from './nats-conf.js';
import { knowSecrets } from '../util/redact.js';
import { secretsIn } from './secrets.js';
import { durationMs } from './duration.js';
import { tlsFilesIn } from './tls-files.js';

/** nats-server's own defaults (server/const.go). */
const LAME_DUCK_DEFAULTS = { durationMs: 120_000, graceMs: 10_000 };

/** What the supervisor needs from the server config. */
export interface ConfigFacts {
  /** NATS_CONF and every file it includes, transitively, absolute. */
  files: string[];
  /** cert_file, key_file and ca_file of every `tls {}` block, absolute. */
  tlsFiles: string[];
  /** jetstream.store_dir, absolute (nats-server runs in the config's directory); null when not set. */
  storeDir: string | null;
  systemAccount: string | null;
  /** log_file, absolute (nats-server runs in the config's directory); null when it logs to stdout. */
  logFile: string | null;
  /** lame_duck_duration and lame_duck_grace_period in ms, nats-server's defaults (2 min, 10 s) when unset. */
  lameDuck: { durationMs: number; graceMs: number };
  /** A `cluster {}` block that listens or routes: this server is a member of a cluster. */
  clustered: boolean;
  /**
   * The hosts the cluster's routes name, when it says `no_advertise: true` (the ioFog operator's template): nats-server
   * then tells clients of no other member, and the lease's connection must know them itself. Empty otherwise.
   */
  unadvertisedPeers: string[];
  /** `operator` or `trusted_keys`: JWT auth, where every connection needs creds (an anonymous one is refused). */
  operatorMode: boolean;
  /** A `jetstream` block or `jetstream: enabled`. */
  jetstream: boolean;
  /** Why the config does not parse; then only `files` is known, from the include lines alone. */
  error: string | null;
  /** Why nats-server must not even be asked to validate it (an include cycle, a FIFO); null when it may. */
  hazard: string | null;
}

function factsOf(config: ConfMap, includes: string[], confPath: string): ConfigFacts {
  const confDir = path.dirname(confPath);
  const sys = confGet(config, 'system_account');
  const dir = confGet(config, 'jetstream', 'store_dir') ?? confGet(config, 'jetstream', 'storedir');
  const logFile = confGet(config, 'log_file') ?? confGet(config, 'logfile');
  return {
    files: withLinkTargets([confPath, ...new Set(includes.filter((f) => f !== confPath))]),
    tlsFiles: tlsFilesIn(config, confDir),
    storeDir: typeof dir === 'string' ? path.resolve(confDir, dir) : null,
    systemAccount: typeof sys === 'string' ? sys : null,
    logFile: typeof logFile === 'string' && logFile !== '' ? path.resolve(confDir, logFile) : null,
    lameDuck: {
      durationMs: durationMs(confGet(config, 'lame_duck_duration')) ?? LAME_DUCK_DEFAULTS.durationMs,
      graceMs: durationMs(confGet(config, 'lame_duck_grace_period')) ?? LAME_DUCK_DEFAULTS.graceMs,
    },
    clustered: isClustered(confGet(config, 'cluster')),
    unadvertisedPeers: unadvertisedPeers(confGet(config, 'cluster')),
    operatorMode: confGet(config, 'operator') !== undefined || confGet(config, 'trusted_keys') !== undefined,
    jetstream: isJetStream(confGet(config, 'jetstream')),
    error: null,
    hazard: null,
  };
}

function isClustered(cluster: ConfValue | undefined): boolean {
  return ['listen', 'port', 'routes'].some((k) => confGet(cluster, k) !== undefined);
}

function unadvertisedPeers(cluster: ConfValue | undefined): string[] {
  const noAdvertise = confGet(cluster, 'no_advertise');
  if (noAdvertise !== true && !['true', 'yes', 'on'].includes(String(noAdvertise).toLowerCase())) return [];
  const routes = confGet(cluster, 'routes');
  const urls = Array.isArray(routes) ? routes : typeof routes === 'string' ? [routes] : [];
  return [...new Set(urls.flatMap((r) => (typeof r === 'string' && URL.canParse(r) ? [new URL(r).hostname] : [])))];
}

/** nats-server's forms: `jetstream {…}`, `jetstream: enabled|true|on`, absent or `disabled|false|off`. */
function isJetStream(value: ConfValue | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value === 'object') return confGet(value, 'enabled') !== false;
  if (typeof value === 'boolean') return value;
  return ['enabled', 'enable', 'true', 'on', 'yes'].includes(String(value).toLowerCase());
}

/** Every secret the config's files spell out is redacted from then on, before nats-server is asked to quote it. */
function learnSecrets(facts: ConfigFacts): ConfigFacts {
  for (const file of facts.files) {
    try {
      knowSecrets(secretsIn(readConfText(file)));
    } catch {
      // unreadable for now: nats-server cannot quote what it cannot read either
    }
  }
  return facts;
}

async function read(confPath: string, env: Record<string, string | undefined>): Promise<ConfigFacts> {
  return learnSecrets(await parsed(confPath, env));
}

async function parsed(confPath: string, env: Record<string, string | undefined>): Promise<ConfigFacts> {
  try {
    const { config, includes } = parseConfFile(confPath, env);
    return factsOf(config, includes, confPath);
  } catch (err) {
    // A config broken mid-edit still names its includes: they stay watched, so the fix is seen.
    return {
      files: await configFiles(confPath),
      tlsFiles: [],
      storeDir: null,
      systemAccount: null,
      logFile: null,
      lameDuck: LAME_DUCK_DEFAULTS,
      clustered: false,
      unadvertisedPeers: [],
      operatorMode: false,
      jetstream: false,
      error: String(err),
      hazard: err instanceof ConfHazard ? err.message : null,
    };
  }
}

/**
 * NATS_CONF, read and parsed once per change and shared by everyone who needs something from it: the watcher
 * (its includes and the certificates it names), the purge rules and `check` (store dir, system account).
 * The watcher's scan of the config source calls `invalidate()`; the next `facts()` parses again.
 */
export class ServerConfig {
  private current: Promise<ConfigFacts> | null = null;
  private readonly listeners: ((facts: ConfigFacts) => void)[] = [];
  readonly confPath: string;

  constructor(
    confPath: string,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {
    this.confPath = path.resolve(confPath);
  }

  invalidate(): void {
    this.current = null;
  }

  facts(): Promise<ConfigFacts> {
    if (!this.current) {
      this.current = read(this.confPath, this.env);
      void this.current.then((facts) => this.listeners.forEach((fn) => fn(facts)));
    }
    return this.current;
  }

  /** Called with every new parse: what depends on the config follows it. */
  onParsed(fn: (facts: ConfigFacts) => void): void {
    this.listeners.push(fn);
  }
}

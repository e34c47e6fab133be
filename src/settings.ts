import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { MODES, type Mode } from '../machines/causes.js';
import type { ShutdownStyle } from '../machines/context.js';
import { parseHostPort } from './util/host-port.js';
import { ENV_DEFAULTS } from './defaults.js';
import { parseGoMemLimit } from './nats-server/go-byte-count.js';

export type PurgeMode = 'on' | 'dry-run' | 'off';
export type LogFormat = 'json' | 'pretty';

/** Every variable of docs/contract.md (Environment), resolved to its typed value. */
export interface Settings {
  confPath: string;
  confDir: string;
  accountsPath: string;
  tlsDir: string;
  jwtDir: string;
  jwtMountDir: string;
  mode: Mode;
  credsDir: string;
  serverBin: string;
  monitorPort: number;
  sysUserCredPath: string | null;
  clientUrl: string;
  jetstreamStoreDir: string | null;
  controlSocket: string;
  statusAddr: string | null;
  debounceMs: number;
  configWaitSeconds: number;
  /** NATS_STOP_GRACE_SECONDS: the time the platform gives a stop, from SIGTERM to its SIGKILL. */
  stopGraceSeconds: number;
  /** null: the stop plan derives it from the grace and the config (src/config/stop-plan.ts). */
  stopTimeoutSeconds: number | null;
  /** null: the stop plan derives it from the grace. */
  leaveTimeoutSeconds: number | null;
  /** null: lame duck for a cluster member, SIGTERM for a standalone server. */
  shutdown: ShutdownStyle | null;
  purge: PurgeMode;
  /** NATS_ROLLING_RESTART: a reload nats-server refuses is applied by a restart, one cluster member at a time. */
  rollingRestart: boolean;
  /** NATS_SERVICE: whether the supervisor answers as the NATS service `iofog-nats` (docs/operator-views.md). */
  service: 'auto' | 'on' | 'off';
  /** NATS_RESTART_LEASE_CREDS: creds for the restart lease's KV bucket (relative: under NATS_CREDS_DIR). */
  leaseCredsPath: string | null;
  /** NATS_RESTART_LEASE_SECONDS: how long a lease outlives a member that died holding it. */
  leaseSeconds: number;
  /** NATS_GOMEMLIMIT_PERCENT: nats-server's GOMEMLIMIT as a share of the container's memory limit; null: off. */
  goMemLimitPercent: number | null;
  /** GOMEMLIMIT from the environment, as given (it wins over the percent); null: unset. */
  goMemLimit: string | null;
  logFormat: LogFormat;
  logLevel: string;
  /** Warnings found while reading the environment, logged once the logger exists. */
  warnings: string[];
}

/** A bad environment value: the CLI prints the message and exits 2. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  readonly code = 'E_SETTINGS';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function optional(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v === '' ? null : v;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = str(env, name, fallback);
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new SettingsError(name, `unknown value "${v}"; use one of: ${allowed.join(', ')}`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name, String(fallback));
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new SettingsError(name, `"${raw}" is not a whole number from ${min} to ${max}`);
  }
  return n;
}

function tlsDirFrom(env: Env, warnings: string[]): string {
  const tls = optional(env, 'NATS_TLS_DIR');
  const ssl = optional(env, 'NATS_SSL_DIR');
  if (ssl !== null && tls === null) {
    warnings.push('NATS_SSL_DIR is deprecated: rename it to NATS_TLS_DIR (same meaning)');
    return ssl;
  }
  if (ssl !== null) warnings.push('NATS_SSL_DIR is ignored because NATS_TLS_DIR is set; remove NATS_SSL_DIR');
  return tls ?? ENV_DEFAULTS.NATS_TLS_DIR;
}

function statusAddrFrom(env: Env): string | null {
  const v = str(env, 'NATS_STATUS_ADDR', ENV_DEFAULTS.NATS_STATUS_ADDR);
  if (v === 'off') return null;
  if (parseHostPort(v) === null) {
    throw new SettingsError('NATS_STATUS_ADDR', `"${v}" is not host:port (for example 127.0.0.1:8223) or "off"`);
  }
  return v;
}

function clientUrlFrom(env: Env): string {
  const v = str(env, 'NATS_CLIENT_URL', ENV_DEFAULTS.NATS_CLIENT_URL);
  try {
    const url = new URL(v);
    if (!['nats:', 'tls:'].includes(url.protocol)) throw new Error('scheme');
  } catch {
    throw new SettingsError('NATS_CLIENT_URL', `"${v}" is not a nats:// URL (for example nats://127.0.0.1:4222)`);
  }
  return v;
}

// sockaddr_un holds 108 bytes with the terminating NUL: a longer path cannot be listened on at all.
const MAX_SOCKET_PATH_BYTES = 107;

function controlSocketFrom(env: Env): string {
  const p = str(env, 'NATS_CONTROL_SOCKET', ENV_DEFAULTS.NATS_CONTROL_SOCKET);
  const bytes = Buffer.byteLength(p);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new SettingsError('NATS_CONTROL_SOCKET', `"${p}" is ${bytes} bytes; a unix socket path has at most ${MAX_SOCKET_PATH_BYTES}`);
  }
  return p;
}

function binaryFrom(env: Env): string {
  const bin = str(env, 'NATS_SERVER_BIN', ENV_DEFAULTS.NATS_SERVER_BIN);
  const candidates = bin.includes('/') ? [bin] : (env.PATH ?? '').split(':').map((d) => path.join(d, bin));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      /* try the next one */
    }
  }
  const tried = bin.includes('/') ? bin : `${bin} on PATH`;
  throw new SettingsError('NATS_SERVER_BIN', `nats-server not found or not executable (tried ${tried}); set it to the nats-server binary`);
}

/** Go stops a process whose GOMEMLIMIT it cannot parse before it does anything: nats-server would not start. */
function goMemLimitFrom(env: Env): string | null {
  const v = optional(env, 'GOMEMLIMIT');
  if (v === null || parseGoMemLimit(v) !== null) return v;
  throw new SettingsError(
    'GOMEMLIMIT',
    `"${v}" is not a limit Go reads, and nats-server would not start: use whole bytes with B, KiB, MiB, GiB or TiB ` +
      `(for example 512MiB; not MB or GB), or off; or unset it and let NATS_GOMEMLIMIT_PERCENT derive it from the container's limit`,
  );
}

/** Reads the environment; throws SettingsError naming the variable for a value it cannot use. */
export function readSettings(env: Env = process.env, opts: { requireBinary?: boolean } = {}): Settings {
  const warnings: string[] = [];
  const confPath = path.resolve(str(env, 'NATS_CONF', ENV_DEFAULTS.NATS_CONF));
  const credsDir = str(env, 'NATS_CREDS_DIR', ENV_DEFAULTS.NATS_CREDS_DIR);
  const sysCred = optional(env, 'NATS_SYS_USER_CRED_PATH');
  const storeDir = optional(env, 'NATS_JETSTREAM_STORE_DIR');
  return {
    confPath,
    confDir: path.dirname(confPath),
    accountsPath: path.resolve(str(env, 'NATS_ACCOUNTS', ENV_DEFAULTS.NATS_ACCOUNTS)),
    tlsDir: path.resolve(tlsDirFrom(env, warnings)),
    jwtDir: path.resolve(str(env, 'NATS_JWT_DIR', ENV_DEFAULTS.NATS_JWT_DIR)),
    jwtMountDir: path.resolve(str(env, 'NATS_JWT_MOUNT_DIR', ENV_DEFAULTS.NATS_JWT_MOUNT_DIR)),
    mode: oneOf(env, 'NATS_SERVER_MODE', MODES, ENV_DEFAULTS.NATS_SERVER_MODE),
    credsDir: path.resolve(credsDir),
    serverBin: opts.requireBinary === false ? str(env, 'NATS_SERVER_BIN', ENV_DEFAULTS.NATS_SERVER_BIN) : binaryFrom(env),
    monitorPort: integer(env, 'NATS_MONITOR_PORT', ENV_DEFAULTS.NATS_MONITOR_PORT, 0, 65535),
    sysUserCredPath: sysCred === null ? null : path.resolve(credsDir, sysCred),
    clientUrl: clientUrlFrom(env),
    jetstreamStoreDir: storeDir === null ? null : path.resolve(path.dirname(confPath), storeDir),
    controlSocket: controlSocketFrom(env),
    statusAddr: statusAddrFrom(env),
    debounceMs: integer(env, 'NATS_RELOAD_DEBOUNCE_MS', ENV_DEFAULTS.NATS_RELOAD_DEBOUNCE_MS, 0, 600_000),
    configWaitSeconds: integer(env, 'NATS_CONFIG_WAIT_SECONDS', ENV_DEFAULTS.NATS_CONFIG_WAIT_SECONDS, 0, 86_400),
    stopTimeoutSeconds:
      optional(env, 'NATS_STOP_TIMEOUT_SECONDS') === null ? null : integer(env, 'NATS_STOP_TIMEOUT_SECONDS', ENV_DEFAULTS.NATS_STOP_TIMEOUT_SECONDS, 1, 86_400),
    stopGraceSeconds: integer(env, 'NATS_STOP_GRACE_SECONDS', ENV_DEFAULTS.NATS_STOP_GRACE_SECONDS, 5, 86_400),
    leaveTimeoutSeconds:
      optional(env, 'NATS_LEAVE_TIMEOUT_SECONDS') === null
        ? null
        : integer(env, 'NATS_LEAVE_TIMEOUT_SECONDS', ENV_DEFAULTS.NATS_LEAVE_TIMEOUT_SECONDS, 0, 86_400),
    shutdown: optional(env, 'NATS_SHUTDOWN') === null ? null : oneOf(env, 'NATS_SHUTDOWN', ['term', 'lame-duck'] as const, 'term'),
    purge: oneOf(env, 'NATS_JETSTREAM_PURGE', ['on', 'dry-run', 'off'] as const, ENV_DEFAULTS.NATS_JETSTREAM_PURGE),
    rollingRestart: oneOf(env, 'NATS_ROLLING_RESTART', ['on', 'off'] as const, ENV_DEFAULTS.NATS_ROLLING_RESTART) === 'on',
    service: oneOf(env, 'NATS_SERVICE', ['auto', 'on', 'off'] as const, ENV_DEFAULTS.NATS_SERVICE),
    leaseSeconds: integer(env, 'NATS_RESTART_LEASE_SECONDS', ENV_DEFAULTS.NATS_RESTART_LEASE_SECONDS, 10, 86_400),
    leaseCredsPath: optional(env, 'NATS_RESTART_LEASE_CREDS') === null ? null : path.resolve(credsDir, optional(env, 'NATS_RESTART_LEASE_CREDS')!),
    goMemLimitPercent:
      optional(env, 'NATS_GOMEMLIMIT_PERCENT') === 'off' ? null : integer(env, 'NATS_GOMEMLIMIT_PERCENT', ENV_DEFAULTS.NATS_GOMEMLIMIT_PERCENT, 10, 100),
    goMemLimit: goMemLimitFrom(env),
    logFormat: oneOf(env, 'NATS_LOG_FORMAT', ['json', 'pretty'] as const, ENV_DEFAULTS.NATS_LOG_FORMAT),
    logLevel: oneOf(env, 'NATS_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, ENV_DEFAULTS.NATS_LOG_LEVEL),
    warnings,
  };
}

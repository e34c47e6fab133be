import { DEFAULT_DELAYS } from '../machines/timing.js';

/**
 * Every environment variable's default, in one table (docs/contract.md: Environment).
 * The chart's delays are its own defaults (machines/timing.ts), given here in the units the variables use.
 */
export const ENV_DEFAULTS = {
  NATS_CONF: '/etc/nats/config/server.conf',
  NATS_ACCOUNTS: '/etc/nats/config/accounts.conf',
  NATS_TLS_DIR: '/etc/nats/certs',
  NATS_JWT_DIR: '/home/runner/nats/jwt',
  NATS_JWT_MOUNT_DIR: '/tmp/nats/jwt',
  NATS_SERVER_MODE: 'server',
  NATS_CREDS_DIR: '/etc/nats/creds/',
  NATS_SERVER_BIN: '/home/runner/bin/nats-server',
  NATS_MONITOR_PORT: 8222,
  NATS_CLIENT_URL: 'nats://127.0.0.1:4222',
  NATS_CONTROL_SOCKET: '/tmp/iofog-nats.sock',
  NATS_STATUS_ADDR: '127.0.0.1:8223',
  NATS_RELOAD_DEBOUNCE_MS: DEFAULT_DELAYS.debounce,
  NATS_CONFIG_WAIT_SECONDS: DEFAULT_DELAYS.configWait / 1000,
  /** The platform's time from SIGTERM to SIGKILL: Kubernetes' default, which the ioFog operator leaves. */
  NATS_STOP_GRACE_SECONDS: 30,
  /** For a restart the supervisor decides; a shutdown's comes from the grace (src/config/stop-plan.ts). */
  NATS_STOP_TIMEOUT_SECONDS: DEFAULT_DELAYS.stopTimeout / 1000,
  NATS_LEAVE_TIMEOUT_SECONDS: DEFAULT_DELAYS.leaveTimeout / 1000,
  NATS_JETSTREAM_PURGE: 'on',
  NATS_ROLLING_RESTART: 'off',
  NATS_SERVICE: 'auto',
  NATS_RESTART_LEASE_SECONDS: 120,
  NATS_GOMEMLIMIT_PERCENT: 80,
  NATS_LOG_FORMAT: 'json',
  NATS_LOG_LEVEL: 'info',
} as const;

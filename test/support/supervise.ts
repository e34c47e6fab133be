import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { Cleanup } from './cleanup.js';
import { basicConfig, makeLayout, removeLayout, type Layout } from './layout.js';
import { freePort } from './ports.js';
import { SupervisorProcess } from './supervisor-process.js';

/** The nats-server the tests run (NATS_SERVER_BIN, else the one on PATH), as an absolute path. */
export function serverBin(): string {
  return execFileSync('sh', ['-c', `command -v "${process.env.NATS_SERVER_BIN ?? 'nats-server'}"`])
    .toString()
    .trim();
}

/** The line of that nats-server, e.g. `2.15`. */
export function serverLine(): string {
  return /v(\d+\.\d+)\./.exec(execFileSync(serverBin(), ['--version']).toString())?.[1] ?? '?';
}

export interface SuperviseOptions {
  /** The server config written before the start; null writes none. Default: a plain server with JetStream. */
  config?: ((l: Layout) => string) | null;
  /** Whatever else the mount needs before the start (files, certs, creds). */
  prepare?: (l: Layout) => Promise<unknown>;
  env?: Record<string, string>;
  /** A status HTTP server on a port of its own (its URL is `base`). */
  status?: boolean;
  /** The state to wait for before returning (e.g. `running.idle`); none by default. */
  waitFor?: string;
}

/**
 * The integration tests' one fixture: a layout (what the platform mounts) with its config written, a
 * supervisor started on it, and both pushed onto the test's cleanup.
 */
export async function superviseLayout(
  cleanup: Cleanup[],
  name: string,
  opts: SuperviseOptions = {},
): Promise<{ l: Layout; sup: SupervisorProcess; base: string }> {
  const l = await makeLayout(name);
  cleanup.push(() => removeLayout(l));
  const config = opts.config === undefined ? (x: Layout) => basicConfig(x, 'max_payload: 1000000') : opts.config;
  if (config) await writeFile(l.conf, config(l));
  await opts.prepare?.(l);
  const statusPort = opts.status ? await freePort() : null;
  const sup = SupervisorProcess.start(l, { ...(statusPort ? { NATS_STATUS_ADDR: `127.0.0.1:${statusPort}` } : {}), ...opts.env });
  cleanup.push(() => sup.dispose());
  if (opts.waitFor) await sup.waitForState(opts.waitFor);
  return { l, sup, base: statusPort ? `http://127.0.0.1:${statusPort}` : '' };
}

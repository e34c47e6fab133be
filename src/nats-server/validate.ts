import { execa } from 'execa';
import { fromPromise } from 'xstate';
import type { Validation } from '../../machines/outputs.js';
import type { ServerConfig } from '../config/server-config.js';
import { spawnBlocker } from '../util/spawn-failure.js';
import type { Settings } from '../settings.js';

const DIGEST = /\((sha256:[0-9a-f]{64})\)/;

/** What a rejection keeps of nats-server's output: a Go stack dump is tens of kilobytes of noise. */
const MAX_MESSAGE = 2000;

/** nats-server prefixes its own messages with the program name; the operator needs the rest. */
function cleanMessage(text: string): string {
  const clean = text.trim().replace(/^nats-server:\s*/gm, '');
  return clean.length <= MAX_MESSAGE ? clean : `${clean.slice(0, MAX_MESSAGE)} … (${clean.length - MAX_MESSAGE} more characters)`;
}

/** nats-server could not be run: no verdict on the config. Out of file descriptors, the change is tried again. */
function notAsked(settings: Settings, blocker: string | null, reason = blocker ?? ''): Validation {
  return { valid: false, message: `could not run ${settings.serverBin} -t: ${reason}`, at: new Date().toISOString(), deferred: blocker !== null };
}

/**
 * `nats-server -t -c NATS_CONF`: the server's own verdict, with the environment it will run with. A config
 * nats-server cannot be asked about safely (an include cycle, a FIFO) is rejected without asking.
 */
export async function validateConfig(settings: Settings, config: ServerConfig, signal?: AbortSignal): Promise<Validation> {
  // Read again: what the watcher last parsed may be older than what nats-server -t would open now.
  config.invalidate();
  const { hazard } = await config.facts();
  if (hazard) return { valid: false, message: `not validated: ${hazard}`, at: new Date().toISOString() };
  const blocked = spawnBlocker();
  if (blocked) return notAsked(settings, blocked);
  let result;
  try {
    result = await execa(settings.serverBin, ['-t', '-c', settings.confPath], {
      cwd: settings.confDir,
      reject: false,
      stdin: 'ignore',
      timeout: 30_000,
      ...(signal ? { cancelSignal: signal } : {}),
    });
  } catch (err) {
    const blocker = spawnBlocker();
    return notAsked(settings, blocker, blocker ?? (err instanceof Error ? err.message : String(err)));
  }
  const at = new Date().toISOString();
  const output = cleanMessage(`${result.stderr}\n${result.stdout}`);
  if (result.exitCode === 0) return { valid: true, message: output || 'configuration is valid', at, digest: DIGEST.exec(output)?.[1] ?? null };
  const reason = output || result.shortMessage;
  return { valid: false, message: `nats-server rejected ${settings.confPath}: ${reason}`, at };
}

export function createValidateConfig(settings: Settings, config: ServerConfig) {
  return fromPromise<Validation>(({ signal }) => validateConfig(settings, config, signal));
}

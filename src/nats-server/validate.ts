import { execFile } from 'node:child_process';
import type { Validation } from '../../machines/outputs.js';
import type { ServerConfig } from '../config/server-config.js';
import { spawnBlocker } from '../util/spawn-failure.js';
import type { Settings } from '../settings.js';
import { redact } from '../util/redact.js';

const DIGEST = /\((sha256:[0-9a-f]{64})\)/;

/** What a rejection keeps of nats-server's output: a Go stack dump is tens of kilobytes of noise. */
const MAX_MESSAGE = 2000;

/** nats-server prefixes its own messages with the program name; the operator needs the rest. */
function cleanMessage(text: string): string {
  // nats-server quotes the line it could not parse: a URL's password, a token (docs/contract.md: Logs).
  const clean = redact(text.trim().replace(/^nats-server:\s*/gm, ''));
  return clean.length <= MAX_MESSAGE ? clean : `${clean.slice(0, MAX_MESSAGE)} … (${clean.length - MAX_MESSAGE} more characters)`;
}

/** nats-server could not be run: no verdict on the config. Out of file descriptors, the change is tried again. */
function notAsked(settings: Settings, blocker: string | null, reason = blocker ?? ''): Validation {
  return { valid: false, message: `could not run ${settings.serverBin} -t: ${redact(reason)}`, at: new Date().toISOString(), deferred: blocker !== null };
}

/** What `nats-server -t` ended with: its exit code (null when it did not run or was killed) and its output. */
interface TestRun {
  exitCode: number | null;
  output: string;
  failure: string | null;
}

// node's execFile, not execa: a one-shot run that needs none of what execa adds, and execa's first call is its
// slowest (docs/performance.md).
function testRun(settings: Settings, signal?: AbortSignal): Promise<TestRun> {
  return new Promise((resolve) => {
    const child = execFile(
      settings.serverBin,
      ['-t', '-c', settings.confPath],
      {
        cwd: settings.confDir,
        timeout: 30_000,
        maxBuffer: 4 * 1024 * 1024,
        ...(signal ? { signal } : {}),
      },
      (err, stdout, stderr) => {
        const output = `${stderr}\n${stdout}`;
        if (!err) return resolve({ exitCode: 0, output, failure: null });
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'number') return resolve({ exitCode: code, output, failure: null });
        const killed = (err as { killed?: boolean }).killed
          ? `killed (${String((err as { signal?: unknown }).signal)}): no verdict within 30 s or cancelled`
          : null;
        resolve({ exitCode: null, output, failure: killed ?? err.message });
      },
    );
    child.stdin?.end();
  });
}

function verdictOf(settings: Settings, result: TestRun): Validation {
  const at = new Date().toISOString();
  if (result.failure !== null) {
    const blocker = spawnBlocker();
    return notAsked(settings, blocker, blocker ?? result.failure);
  }
  const output = cleanMessage(result.output);
  if (result.exitCode === 0) return { valid: true, message: output || 'configuration is valid', at, digest: DIGEST.exec(output)?.[1] ?? null };
  return { valid: false, message: `nats-server rejected ${settings.confPath}: ${output || `exit code ${String(result.exitCode)}`}`, at };
}

/**
 * Whether the restart lease's connection has what it needs: NATS_RESTART_LEASE_CREDS, or, outside operator mode,
 * NATS_CLIENT_URL as it is. In operator mode an anonymous connection is refused: none is tried (docs/cluster.md).
 */
export const leaseUsable = (settings: Pick<Settings, 'leaseCredsPath'>, operatorMode: boolean): boolean => settings.leaseCredsPath !== null || !operatorMode;

/**
 * `nats-server -t -c NATS_CONF`: the server's own verdict, with the environment it will run with. A config
 * nats-server cannot be asked about safely (an include cycle, a FIFO) is rejected without asking.
 */
export async function validateConfig(settings: Settings, config: ServerConfig, signal?: AbortSignal): Promise<Validation> {
  // Read again: what the watcher last parsed may be older than what nats-server -t would open now.
  config.invalidate();
  const { hazard, clustered, operatorMode } = await config.facts();
  if (hazard) return { valid: false, message: `not validated: ${hazard}`, at: new Date().toISOString() };
  const blocked = spawnBlocker();
  if (blocked) return notAsked(settings, blocked);
  let result: TestRun;
  try {
    result = await testRun(settings, signal);
  } catch (err) {
    result = { exitCode: null, output: '', failure: err instanceof Error ? err.message : String(err) };
  }
  const verdict = verdictOf(settings, result);
  return verdict.valid ? { ...verdict, clustered, restartLease: clustered && leaseUsable(settings, operatorMode) } : verdict;
}

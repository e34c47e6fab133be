import { execa } from 'execa';
import { fromPromise } from 'xstate';
import type { Validation } from '../../machines/outputs.js';
import type { Settings } from '../settings.js';

const DIGEST = /\((sha256:[0-9a-f]{64})\)/;

/** nats-server prefixes its own messages with the program name; the operator needs the rest. */
function cleanMessage(text: string): string {
  return text.trim().replace(/^nats-server:\s*/gm, '');
}

/** `nats-server -t -c NATS_CONF`: the server's own verdict, with the environment it will run with. */
export async function validateConfig(settings: Settings, signal?: AbortSignal): Promise<Validation> {
  const result = await execa(settings.serverBin, ['-t', '-c', settings.confPath], {
    cwd: settings.confDir,
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
    ...(signal ? { cancelSignal: signal } : {}),
  });
  const at = new Date().toISOString();
  const output = cleanMessage(`${result.stderr}\n${result.stdout}`);
  if (result.exitCode === 0) return { valid: true, message: output || 'configuration is valid', at, digest: DIGEST.exec(output)?.[1] ?? null };
  const reason = output || result.shortMessage;
  return { valid: false, message: `nats-server rejected ${settings.confPath}: ${reason}`, at };
}

export function createValidateConfig(settings: Settings) {
  return fromPromise<Validation>(({ signal }) => validateConfig(settings, signal));
}

import { pino, type Logger } from 'pino';
import { requireLazily } from './util/lazy-require.js';
import type { LogFormat } from './settings.js';
import { redactDeep } from './util/redact-deep.js';

export type { Logger };

/** Paths that may carry secrets if an object ever reaches the logger whole. */
const REDACT = ['creds', 'jwt', 'seed', 'nkey', 'token', 'password', '*.creds', '*.jwt', '*.seed', '*.nkey', '*.token', '*.password'];

export function createLogger(opts: { format: LogFormat; level: string }): Logger {
  const base = {
    level: opts.level,
    base: { name: 'iofog-nats' },
    redact: { paths: REDACT, censor: '[redacted]' },
    hooks: {
      // Every string of every line, message and fields alike (docs/contract.md: Logs).
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => redactDeep(a)),
        );
      },
    },
  };
  if (opts.format === 'pretty') {
    // A stream in this thread, not a transport: no worker thread, and pino can be bundled. Loaded only here.
    const pretty = requireLazily('pino-pretty') as (o: Record<string, unknown>) => NodeJS.WritableStream;
    return pino(base, pretty({ destination: 1, colorize: false, ignore: 'hostname,server', sync: true }));
  }
  // Synchronous writes: a supervisor that is about to exit must not lose its last lines.
  return pino(base, pino.destination({ dest: 1, sync: true }));
}

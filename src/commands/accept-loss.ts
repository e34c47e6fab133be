import { EXIT } from '../../machines/exit-codes.js';
import { ENV_DEFAULTS } from '../defaults.js';
import { ask, NoSupervisorError } from '../status/control-socket.js';

/**
 * `iofog-nats accept-loss`: lets a store-fault restart that would lose acked data go ahead (docs/faults.md).
 * Exit 0 when one was held, 1 when nothing was waiting or no supervisor answers.
 */
export async function acceptLossCommand(): Promise<void> {
  const socket = process.env.NATS_CONTROL_SOCKET || ENV_DEFAULTS.NATS_CONTROL_SOCKET;
  try {
    for await (const answer of ask(socket, 'accept-loss')) {
      const a = answer as { accepted?: boolean; message?: string; error?: string };
      process.stdout.write(`${a.message ?? a.error ?? JSON.stringify(answer)}\n`);
      process.exit(a.accepted === true ? EXIT.ok : EXIT.serverFailed);
    }
  } catch (err) {
    if (!(err instanceof NoSupervisorError)) throw err;
    process.stderr.write(`iofog-nats accept-loss: ${err.message}\n`);
    process.exit(EXIT.serverFailed);
  }
}

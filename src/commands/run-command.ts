import { SocketInUseError } from '../status/control-socket.js';
import { SettingsError, type Settings } from '../settings.js';
import { run } from './run.js';
import { settingsOrExit, usageError } from './settings-or-exit.js';

/** `iofog-nats run`, the container's entrypoint: supervise until stopped, then exit with the outcome's code. */
export async function runCommand(settings: Settings = settingsOrExit()): Promise<void> {
  try {
    // Everything is stopped and logged (synchronously) by now: exit without waiting on stray handles.
    process.exit(await run(settings));
  } catch (err) {
    if (err instanceof SocketInUseError || err instanceof SettingsError) usageError(err.message);
    throw err;
  }
}

import { EXIT } from '../../machines/exit-codes.js';
import { readSettings, SettingsError, type Settings } from '../settings.js';

export function usageError(message: string): never {
  process.stderr.write(`iofog-nats: ${message}\n`);
  process.exit(EXIT.usage);
}

/** The settings from the environment, or exit 2 naming the variable that is wrong. */
export function settingsOrExit(): Settings {
  try {
    return readSettings();
  } catch (err) {
    if (err instanceof SettingsError) usageError(err.message);
    throw err;
  }
}

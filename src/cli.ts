import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { run } from './run.js';
import { readSettings, SettingsError } from './settings.js';

async function runCommand(): Promise<void> {
  let settings;
  try {
    settings = readSettings();
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    process.stderr.write(`iofog-nats: ${err.message}\n`);
    process.exit(EXIT.usage);
  }
  process.exitCode = await run(settings);
}

const program = new Command('iofog-nats')
  .description('Supervise nats-server: keep it in step with its mounted config, certs, JWTs and creds')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program.command('run', { isDefault: true }).description('supervise nats-server (the container entrypoint)').action(runCommand);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not errors; everything else commander rejects is a usage error (exit 2).
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  throw err;
}

import { Command, CommanderError, Option } from 'commander';
import { check } from './check.js';
import { SocketInUseError } from './control-socket.js';
import { EXIT } from './exit-codes.js';
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from './graph/render.js';
import { ask, formatStatus, formatTransition, NoSupervisorError } from './inspect.js';
import { run } from './run.js';
import { readSettings, SettingsError, type Settings } from './settings.js';
import type { StatusDocument, Transition } from './status-model.js';

function usageError(message: string): never {
  process.stderr.write(`iofog-nats: ${message}\n`);
  process.exit(EXIT.usage);
}

function settingsOrExit(): Settings {
  try {
    return readSettings();
  } catch (err) {
    if (err instanceof SettingsError) usageError(err.message);
    throw err;
  }
}

async function runCommand(): Promise<void> {
  const settings = settingsOrExit();
  try {
    // Everything is stopped and logged (synchronously) by now: exit without waiting on stray handles.
    process.exit(await run(settings));
  } catch (err) {
    if (err instanceof SocketInUseError) usageError(err.message);
    throw err;
  }
}

async function checkCommand(): Promise<void> {
  process.exit(await check(settingsOrExit(), (line) => process.stdout.write(line + '\n')));
}

async function inspectCommand(opts: { json?: boolean; follow?: boolean }): Promise<void> {
  const socket = process.env.NATS_CONTROL_SOCKET || '/tmp/iofog-nats.sock';
  try {
    for await (const message of ask(socket, opts.follow ? 'follow' : 'state')) {
      const m = message as { state?: StatusDocument; transition?: Transition } & StatusDocument;
      if (opts.json) process.stdout.write(JSON.stringify(message) + '\n');
      else if (m.transition) process.stdout.write(formatTransition(m.transition) + '\n');
      else process.stdout.write(formatStatus(opts.follow ? m.state! : m));
    }
  } catch (err) {
    if (!(err instanceof NoSupervisorError)) throw err;
    process.stderr.write(`iofog-nats inspect: ${err.message}\n`);
    process.exit(EXIT.serverFailed);
  }
}

const program = new Command('iofog-nats')
  .description('Supervise nats-server: keep it in step with its mounted config, certs, JWTs and creds')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program.command('run', { isDefault: true }).description('supervise nats-server (the container entrypoint)').action(runCommand);
program.command('inspect')
  .description("print the running supervisor's state, read over NATS_CONTROL_SOCKET")
  .option('--json', 'print the state as JSON (with --follow: one JSON line per transition)')
  .option('--follow', 'stream each transition until interrupted')
  .action(inspectCommand);
program.command('check')
  .description('validate env and config, list watched paths, store dir, resolver accounts and what a reconcile would purge; starts nothing')
  .action(checkCommand);
program.command('graph')
  .description('print the statechart without running anything')
  .addOption(new Option('--format <format>', 'output format').choices(GRAPH_FORMATS).default('mermaid'))
  .action((opts: { format: GraphFormat }) => void process.stdout.write(renderGraph(opts.format)));

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Help and version are not errors; everything else commander rejects is a usage error (exit 2).
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  throw err;
});

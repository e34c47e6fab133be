import { acceptLossCommand } from './commands/accept-loss.js';
import { check } from './commands/check.js';
import { EXIT } from '../machines/exit-codes.js';
import { GRAPH_FORMATS, type GraphFormat } from './graph/render.js';
import { graphCommand } from './commands/graph.js';
import { inspectCommand } from './commands/inspect.js';
import { inspectAll } from './commands/inspect-all.js';
import { runCommand } from './commands/run-command.js';
import { settingsOrExit } from './commands/settings-or-exit.js';
import { requireLazily } from './util/lazy-require.js';

async function checkCommand(): Promise<void> {
  process.exit(await check(settingsOrExit(), (line) => process.stdout.write(line + '\n')));
}

/**
 * Every command, its options and its help. commander stays outside the bundle and loads here: the
 * container's entrypoint (no arguments) never needs it.
 */
export function parseCommandLine(argv: string[]): void {
  const { Command, CommanderError, Option } = requireLazily('commander') as typeof import('commander');
  const program = new Command('iofog-nats')
    .description('Supervise nats-server: keep it in step with its mounted config, certs, JWTs and creds')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('run', { isDefault: true })
    .description('supervise nats-server (the container entrypoint)')
    .action(() => runCommand());
  program
    .command('inspect')
    .description("print the running supervisor's state, read over NATS_CONTROL_SOCKET")
    .option('--json', 'print the state as JSON (with --follow: one JSON line per transition)')
    .option('--follow', 'stream each transition until interrupted')
    .option('--all', 'every member and leaf that answers as the NATS service iofog-nats, one row each, within 1 s')
    .option('--server <url>', 'with --all: the NATS server to ask (default NATS_CLIENT_URL)')
    .option('--creds <file>', 'with --all: the user creds to ask with (default NATS_SYS_USER_CRED_PATH)')
    .action((opts: { json?: boolean; follow?: boolean; all?: boolean; server?: string; creds?: string }) =>
      opts.all ? inspectAll(opts) : inspectCommand(opts),
    );
  program
    .command('accept-loss')
    .description('let a store-fault restart go ahead although it loses the acked data `inspect` names (R1 memory streams)')
    .action(acceptLossCommand);
  program
    .command('check')
    .description('validate env and config, list watched paths, store dir, resolver accounts and what a reconcile would purge; starts nothing')
    .action(checkCommand);
  program
    .command('graph')
    .description('print the statechart without running anything')
    .addOption(new Option('--format <format>', 'output format').choices(GRAPH_FORMATS).default('mermaid'))
    .action((opts: { format: GraphFormat }) => graphCommand(opts));

  program.parseAsync(argv).catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a usage error (exit 2).
      process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
    }
    throw err;
  });
}

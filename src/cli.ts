import { parseCommandLine } from './cli-program.js';
import { runCommand } from './commands/run-command.js';

const args = process.argv.slice(2);
// The container's entrypoint runs with no arguments, and so without commander (see parseCommandLine).
if (args.length === 0 || (args.length === 1 && args[0] === 'run')) void runCommand();
else parseCommandLine(process.argv);

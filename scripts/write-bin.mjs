// The contract's entry point is dist/cli.js; tsc emits the CLI under dist/src/, so this writes a shim.
import { chmodSync, writeFileSync } from 'node:fs';

writeFileSync('dist/cli.js', "#!/usr/bin/env node\nimport './src/cli.js';\n");
chmodSync('dist/cli.js', 0o755);

// Bundles the CLI into dist/iofog-nats.js, started by dist/cli.js (scripts/cli-loader.cjs) from V8's code
// cache, which this script makes last. Measured on 2 cores, from node's first line of user code to the end of
// `--help`: hundreds of modules ~120 ms; one ESM bundle ~60 ms, a third of it building ESM facades for node's
// built-in modules; one CommonJS bundle ~45 ms; the same from the code cache ~30 ms.
// Type checking stays with `npm run lint` (tsc --noEmit).
//   node scripts/build.mjs [outdir]       (default: dist)
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const out = path.resolve(process.argv[2] ?? 'dist');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outfile: path.join(out, 'iofog-nats.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // Whitespace and comments only: names stay, so stack traces in the logs still read. The source V8 keeps
  // in memory shrinks from 1.5 MB (a comment's "’" made it two bytes a character) to ~0.5 MB.
  minifyWhitespace: true,
  charset: 'ascii',
  define: { 'import.meta.url': '__bundle_url' },
  // @parcel/watcher's JS is bundled; its native addon (the platform's @parcel/watcher-* package) stays in
  // node_modules. pino-pretty (NATS_LOG_FORMAT=pretty), prom-client (first /metrics scrape), elkjs (first
  // page view) and the NATS client (first purge or claims push) load only when needed (src/lazy-require.ts).
  external: ['@parcel/watcher-*', 'pino-pretty', 'prom-client', 'elkjs', '@nats-io/transport-node'],
  banner: { js: "'use strict';const __bundle_url=require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
// The loader reads the bundle as latin1, the fastest decoding: it must be ASCII.
if (readFileSync(path.join(out, 'iofog-nats.js')).some((byte) => byte > 0x7f)) throw new Error('bundle is not ASCII');
copyFileSync('scripts/cli-loader.cjs', path.join(out, 'cli.js'));
chmodSync(path.join(out, 'cli.js'), 0o755);
// package.json says "type": "module"; the loader and the bundle are CommonJS.
writeFileSync(path.join(out, 'package.json'), '{ "type": "commonjs" }\n');
// The status page's browser script is served as text, read next to the bundle.
copyFileSync('src/page/page-script.js', path.join(out, 'page-script.js'));
// The code cache, from `check` on a throwaway config: it evaluates the whole bundle and runs much of the start
// path (settings, config parsing, `nats-server -t` through execa, file hashing) while starting nothing. The
// functions it compiled come from the cache at every start instead of being compiled then. Its exit code is
// beside the point (there may be no nats-server on a build machine).
/** nats-server from PATH; else node stands in (`-t` is no option of node's: a rejected config is as good). */
function natsServer() {
  const found = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'nats-server')).find((f) => existsSync(f));
  return process.env.NATS_SERVER_BIN ?? found ?? process.execPath;
}
const scratch = mkdtempSync(path.join(tmpdir(), 'iofog-nats-build-'));
try {
  writeFileSync(path.join(scratch, 'server.conf'), 'listen: 127.0.0.1:4222\njetstream { store_dir: ./store }\n');
  spawnSync(process.execPath, [path.join(out, 'cli.js'), 'check'], {
    stdio: 'ignore',
    env: {
      ...process.env, IOFOG_NATS_BUILD_CODE_CACHE: '1', NATS_SERVER_BIN: natsServer(), NATS_CONF: path.join(scratch, 'server.conf'), NATS_MONITOR_PORT: '0',
      NATS_JWT_DIR: path.join(scratch, 'jwt'), NATS_JWT_MOUNT_DIR: path.join(scratch, 'mount'),
    },
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (!existsSync(path.join(out, 'iofog-nats.js.cache'))) throw new Error('no code cache was written');

// Bundles the CLI into dist/iofog-nats.js, started by dist/cli.js (scripts/cli-loader.cjs), and fills node's
// compile cache for it (scripts/compile-cache.mjs) where this node has one. Why one CommonJS bundle and the
// compile cache: docs/performance.md. Type checking stays with `npm run lint` (tsc --noEmit).
//   node scripts/build.mjs [outdir] [--no-compile-cache]      (default: dist)
import { chmodSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { makeCompileCache } from './compile-cache.mjs';
import { EXTERNALS } from './externals.mjs';

const args = process.argv.slice(2);
const out = path.resolve(args.find((a) => !a.startsWith('--')) ?? 'dist');
rmSync(out, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // Whitespace and comments only: names stay, so stack traces in the logs still read, and the source V8
  // keeps in memory shrinks to a third (docs/performance.md).
  minifyWhitespace: true,
  charset: 'ascii',
  define: { 'import.meta.url': '__bundle_url', __IOFOG_NATS_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
  external: EXTERNALS,
  banner: { js: "'use strict';const __bundle_url=require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: ['src/cli.ts'], outfile: path.join(out, 'iofog-nats.js') });
// ASCII only: V8 then keeps the source as a one-byte string, half the memory of a two-byte one.
for (const file of ['iofog-nats.js']) if (readFileSync(path.join(out, file)).some((byte) => byte > 0x7f)) throw new Error(`${file} is not ASCII`);
copyFileSync('scripts/cli-loader.cjs', path.join(out, 'cli.js'));
chmodSync(path.join(out, 'cli.js'), 0o755);
// package.json says "type": "module"; the loader and the bundle are CommonJS.
writeFileSync(path.join(out, 'package.json'), '{ "type": "commonjs" }\n');
// The status page's browser script is served as text, read next to the bundle.
copyFileSync('src/status/page/page-script.js', path.join(out, 'page-script.js'));
// The chart's layout, made at build time by `npm run layout` (scripts/layout/chart-layout.ts).
copyFileSync('src/status/page/chart-layout.json', path.join(out, 'chart-layout.json'));
if (!args.includes('--no-compile-cache')) await makeCompileCache(out);

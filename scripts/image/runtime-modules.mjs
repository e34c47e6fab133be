// Copies into <dest>/node_modules only what the bundle needs at run time: the external packages
// (scripts/externals.mjs) and their dependencies, resolved as node resolves them. The rest of node_modules
// is bundled into dist/ or is for building and testing.
// RUNTIME_NO_NATIVE=1 leaves out the native watcher addon: an image for another architecture brings its own.
//   node scripts/image/runtime-modules.mjs <dest>
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EXTERNALS } from '../externals.mjs';

const dest = path.resolve(process.argv[2] ?? '');
if (!process.argv[2]) throw new Error('usage: runtime-modules.mjs <dest>');
const root = path.resolve('node_modules');

/** The installed packages a name stands for: a pattern like `@scope/name-*` matches each installed one. */
function installed(name) {
  if (!name.endsWith('*')) return [name];
  const [scope, prefix] = name.slice(0, -1).split('/');
  const dir = path.join(root, scope);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => n.startsWith(prefix))
        .map((n) => `${scope}/${n}`)
    : [];
}

/** Where node finds `name` from the package at `from`: its own node_modules first, then each parent's. */
function resolve(name, from) {
  for (let dir = from; dir.startsWith(root); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
  }
  const top = path.join(root, name);
  return existsSync(path.join(top, 'package.json')) ? top : undefined;
}

const seen = new Set();
function visit(dir) {
  if (seen.has(dir)) return;
  seen.add(dir);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    const found = resolve(dep, dir);
    if (found) visit(found);
    else if (!optional.has(dep)) throw new Error(`${dep}, needed by ${path.relative(root, dir)}, is not installed`);
  }
}

const wanted = EXTERNALS.filter((name) => !(process.env.RUNTIME_NO_NATIVE === '1' && name.startsWith('@parcel/watcher-')));
for (const name of wanted.flatMap(installed)) {
  const found = resolve(name, root);
  if (!found) throw new Error(`${name} is not installed: run npm ci first`);
  visit(found);
}
for (const dir of [...seen].sort())
  cpSync(dir, path.join(dest, 'node_modules', path.relative(root, dir)), {
    recursive: true,
    dereference: true,
    filter: (src) => !src.slice(dir.length).includes(`${path.sep}node_modules`),
  });
console.log(`runtime-modules: ${seen.size} packages copied to ${path.join(dest, 'node_modules')}`);

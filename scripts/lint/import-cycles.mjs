// `npm run lint`: fails on an import cycle among machines/ and src/ (type-only imports included: a cycle of
// types is still two modules that cannot be read apart). Prints each cycle found.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const roots = ['machines', 'src'];
const files = roots.flatMap((r) => readdirSync(r, { recursive: true }).map((f) => path.join(r, String(f)))).filter((f) => f.endsWith('.ts'));
const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;

const edges = new Map(
  files.map((file) => {
    const deps = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => path.join(path.dirname(file), m[1].replace(/\.js$/, '.ts')));
    return [file, deps.filter((d) => files.includes(d))];
  }),
);

const cycles = [];
const state = new Map();
function visit(file, trail) {
  if (state.get(file) === 'done') return;
  if (state.get(file) === 'open') return void cycles.push([...trail.slice(trail.indexOf(file)), file]);
  state.set(file, 'open');
  for (const dep of edges.get(file)) visit(dep, [...trail, file]);
  state.set(file, 'done');
}
for (const file of files) visit(file, []);

for (const c of cycles) console.error(`import cycle: ${c.join(' -> ')}`);
if (cycles.length > 0) process.exit(1);

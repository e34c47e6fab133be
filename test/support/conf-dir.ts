import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/**
 * A config dir per call, with `server.conf` and the named files written, removed after the file's tests: call
 * `const confDir = confDirs('name')` at the top of a test file.
 */
export function confDirs(name: string): (config: string, files?: Record<string, string>) => Promise<string> {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  return async (config, files = {}) => {
    const dir = await mkdtemp(path.join(tmpdir(), `iofog-nats-${name}-`));
    dirs.push(dir);
    await writeFile(path.join(dir, 'server.conf'), config);
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
    return dir;
  };
}

// Fills node's compile cache of a built dist/ (see scripts/cli-loader.cjs) by running `iofog-nats check` on a
// throwaway config: it evaluates the whole bundle and runs much of the start path (settings, config parsing,
// `nats-server -t` through execa, file hashing) while starting nothing. The cache is made for the node that runs
// this script and for the user that runs it, which is why the image's build runs it as uid 10000. Its exit code
// is beside the point (there may be no nats-server on a build machine).
//   node scripts/compile-cache.mjs [dist]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** nats-server from NATS_SERVER_BIN or PATH; else node stands in (`-t` is no option of node's: a rejected config is as good). */
function natsServer() {
  const found = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'nats-server')).find((f) => existsSync(f));
  return process.env.NATS_SERVER_BIN ?? found ?? process.execPath;
}

export function makeCompileCache(out) {
  if (typeof module.enableCompileCache !== 'function') return false;
  const dir = path.join(out, 'compile-cache');
  // Its entries, not the dir: the image's build makes the dir writable for the user the cache is made as.
  if (existsSync(dir)) for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });
  const scratch = mkdtempSync(path.join(tmpdir(), 'iofog-nats-build-'));
  try {
    writeFileSync(path.join(scratch, 'server.conf'), 'listen: 127.0.0.1:4222\njetstream { store_dir: ./store }\n');
    spawnSync(process.execPath, [path.join(out, 'cli.js'), 'check'], {
      stdio: 'ignore',
      env: {
        ...process.env, NATS_SERVER_BIN: natsServer(), NATS_CONF: path.join(scratch, 'server.conf'), NATS_MONITOR_PORT: '0',
        NATS_JWT_DIR: path.join(scratch, 'jwt'), NATS_JWT_MOUNT_DIR: path.join(scratch, 'mount'),
        NATS_CONTROL_SOCKET: path.join(scratch, 'control.sock'),
      },
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!existsSync(dir) || readdirSync(dir).length === 0) throw new Error(`no compile cache was written to ${dir}`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) makeCompileCache(path.resolve(process.argv[2] ?? 'dist'));

// Fills node's compile cache of a built dist/ (see scripts/cli-loader.cjs) by running the supervisor itself on a
// throwaway config, on loopback ports of its own, until nats-server is up and the chart idles, then stopping it:
// the functions of the start path (and of what runs once a server is up) are then compiled once here. Node
// writes the cache at exit and keeps a cache it accepted as it is, so this one run decides what is in it. The
// cache is made for the node that runs this script and for the user that runs it, which is why the image's build
// runs it as uid 10000. Without a nats-server on the build machine node stands in, the first validation fails
// and only the path up to it is cached.
//   node scripts/compile-cache.mjs [dist]
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** nats-server from NATS_SERVER_BIN or PATH; else node stands in (`-t` is no option of node's: a rejected config is as good). */
function natsServer() {
  const found = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((d) => path.join(d, 'nats-server'))
    .find((f) => existsSync(f));
  return process.env.NATS_SERVER_BIN ?? found ?? process.execPath;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address();
        server.close(() => resolve(port));
      });
  });
}

/** Runs the supervisor until its chart idles with nats-server up (or it exits, or 20 s pass), then stops it. */
function superviseOnce(out, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(out, 'cli.js')], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const stop = () => child.kill('SIGTERM');
    const timer = setTimeout(stop, 20_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"state":"running.idle"')) stop();
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function makeCompileCache(out) {
  if (typeof module.enableCompileCache !== 'function') return false;
  const dir = path.join(out, 'compile-cache');
  // Its entries, not the dir: the image's build makes the dir writable for the user the cache is made as.
  if (existsSync(dir)) for (const entry of readdirSync(dir)) rmSync(path.join(dir, entry), { recursive: true, force: true });
  const scratch = mkdtempSync(path.join(tmpdir(), 'iofog-nats-build-'));
  try {
    const [client, monitor] = [await freePort(), await freePort()];
    writeFileSync(path.join(scratch, 'server.conf'), `listen: 127.0.0.1:${client}\njetstream { store_dir: "./store" }\n`);
    await superviseOnce(out, {
      ...process.env,
      NATS_SERVER_BIN: natsServer(),
      NATS_CONF: path.join(scratch, 'server.conf'),
      NATS_MONITOR_PORT: String(monitor),
      NATS_CLIENT_URL: `nats://127.0.0.1:${client}`,
      NATS_JWT_DIR: path.join(scratch, 'jwt'),
      NATS_JWT_MOUNT_DIR: path.join(scratch, 'mount'),
      NATS_TLS_DIR: path.join(scratch, 'certs'),
      NATS_CREDS_DIR: path.join(scratch, 'creds'),
      NATS_ACCOUNTS: path.join(scratch, 'accounts.conf'),
      NATS_CONTROL_SOCKET: path.join(scratch, 'control.sock'),
      NATS_STATUS_ADDR: 'off',
      NATS_LOG_LEVEL: 'info',
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!existsSync(dir) || readdirSync(dir).length === 0) throw new Error(`no compile cache was written to ${dir}`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await makeCompileCache(path.resolve(process.argv[2] ?? 'dist'));

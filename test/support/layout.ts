import { mkdir, mkdtemp, readdir, readlink, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

/** A throwaway copy of what the platform mounts into the container, on loopback ports of its own. */
export interface Layout {
  root: string;
  confDir: string;
  conf: string;
  accounts: string;
  tlsDir: string;
  credsDir: string;
  jwtMount: string;
  jwtDir: string;
  storeDir: string;
  clientPort: number;
  monitorPort: number;
  env: Record<string, string>;
}

export async function makeLayout(name: string): Promise<Layout> {
  const root = await mkdtemp(path.join(tmpdir(), `iofog-nats-${name}-`));
  const confDir = path.join(root, 'config');
  const l = {
    root,
    confDir,
    conf: path.join(confDir, 'server.conf'),
    accounts: path.join(confDir, 'accounts.conf'),
    tlsDir: path.join(root, 'certs'),
    credsDir: path.join(root, 'creds'),
    jwtMount: path.join(root, 'jwt-mount'),
    jwtDir: path.join(root, 'jwt'),
    storeDir: path.join(root, 'store'),
    clientPort: await freePort(),
    monitorPort: await freePort(),
  };
  await Promise.all([confDir, l.tlsDir, l.credsDir].map((d) => mkdir(d, { recursive: true })));
  return {
    ...l,
    env: {
      NATS_CONF: l.conf,
      NATS_ACCOUNTS: l.accounts,
      NATS_TLS_DIR: l.tlsDir,
      NATS_CREDS_DIR: l.credsDir,
      NATS_JWT_MOUNT_DIR: l.jwtMount,
      NATS_JWT_DIR: l.jwtDir,
      NATS_SERVER_BIN: process.env.NATS_SERVER_BIN ?? 'nats-server',
      NATS_MONITOR_PORT: String(l.monitorPort),
      NATS_CLIENT_URL: `nats://127.0.0.1:${l.clientPort}`,
      NATS_CONTROL_SOCKET: path.join(root, 'control.sock'),
      NATS_STATUS_ADDR: 'off',
    },
  };
}

/** A plain server config on the layout's port, with JetStream in the layout's store. */
export function basicConfig(l: Layout, extra = ''): string {
  return [`listen: 127.0.0.1:${l.clientPort}`, `jetstream { store_dir: "${l.storeDir}" }`, extra].join('\n') + '\n';
}

export async function removeLayout(l: Layout): Promise<void> {
  await rm(l.root, { recursive: true, force: true });
}

/**
 * Writes `files` the way the kubelet's AtomicWriter does: a new timestamped dir, `..data_tmp`
 * pointing at it, renamed over `..data`; the visible names are symlinks into `..data`.
 */
export async function atomicWriterUpdate(dir: string, files: Record<string, string>, version: number, beforeSwap?: () => void): Promise<void> {
  const stamp = `..2026_11_22_00_00_${String(version).padStart(2, '0')}.${process.pid}`;
  await mkdir(path.join(dir, stamp));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, stamp, name), text);
  await rm(path.join(dir, '..data_tmp'), { force: true });
  await symlink(stamp, path.join(dir, '..data_tmp'));
  for (const name of Object.keys(files)) {
    await symlink(path.join('..data', name), path.join(dir, name)).catch(() => undefined);
  }
  beforeSwap?.();
  await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  // As the kubelet does after the swap: the links of files no longer projected go (they dangle until then).
  for (const name of await readdir(dir)) {
    if (name.startsWith('..') || name in files) continue;
    if ((await readlink(path.join(dir, name)).catch(() => null)) === path.join('..data', name)) await unlink(path.join(dir, name));
  }
}

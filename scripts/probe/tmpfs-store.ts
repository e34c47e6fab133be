import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freeListenPort } from '../../test/support/ports.js';

/** A bare nats-server's layout for the full-store probes: its JetStream store on a 48 MiB tmpfs (root), free ports. */
export async function tmpfsStoreLayout() {
  const root = await mkdtemp(path.join(tmpdir(), 'iofog-nats-probe-'));
  const store = path.join(root, 'store');
  await mkdir(store);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', store]);
  const [port, monitor] = [await freeListenPort(), await freeListenPort()];
  const conf = path.join(root, 'server.conf');
  await writeFile(conf, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${store}" }\n`);
  const remove = async (): Promise<void> => {
    execFileSync('umount', ['-l', store]);
    await rm(root, { recursive: true, force: true });
  };
  return { root, store, port, monitor, conf, remove };
}

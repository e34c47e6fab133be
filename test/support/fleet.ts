import { writeFile } from 'node:fs/promises';
import type { Cleanup } from './cleanup.js';
import { TestCluster } from './cluster.js';
import { makeLayout, removeLayout } from './layout.js';
import { freeListenPort } from './ports.js';
import { SupervisorProcess } from './supervisor-process.js';

/**
 * One config for every member, as a platform mounts one ConfigMap: what differs per member comes from its
 * environment (the ioFog template does the same with $SELFNAME).
 */
const MEMBER_CONFIG = (routes: string) => `server_name: $SELFNAME
host: 127.0.0.1
port: $CLIENT_PORT
jetstream { store_dir: $STORE_DIR }
cluster { name: hub, host: 127.0.0.1, port: $CLUSTER_PORT, routes: [${routes}] }
leafnodes { host: 127.0.0.1, port: $LEAF_PORT }
lame_duck_duration: 30s
lame_duck_grace_period: 1s
`;

export async function fleetHub(cleanup: Cleanup[]): Promise<{ cluster: TestCluster; leafPorts: number[] }> {
  const cluster = await TestCluster.create('fleet');
  cleanup.push(() => cluster.dispose());
  const routes = cluster.members.map((m) => `"nats-route://127.0.0.1:${m.clusterPort}"`).join(', ');
  const leafPorts: number[] = [];
  for (const m of cluster.members) {
    const leafPort = await freeListenPort();
    leafPorts.push(leafPort);
    Object.assign(m.layout.env, {
      SELFNAME: m.name,
      CLIENT_PORT: String(m.layout.clientPort),
      CLUSTER_PORT: String(m.clusterPort),
      LEAF_PORT: String(leafPort),
      STORE_DIR: m.layout.storeDir,
    });
    await writeFile(m.layout.conf, MEMBER_CONFIG(routes));
  }
  return { cluster, leafPorts };
}

/** An edge node's leaf, in the hub's global account: its service is seen from the hub over the leaf connection. */
export async function fleetLeaf(
  name: string,
  leafPorts: number[],
  cleanup: Cleanup[],
  opts: { service?: string; builtCli?: string } = {},
): Promise<SupervisorProcess> {
  const l = await makeLayout(`fleet-${name}`);
  cleanup.push(() => removeLayout(l));
  const urls = leafPorts.map((p) => `"nats-leaf://127.0.0.1:${p}"`).join(', ');
  await writeFile(l.conf, `server_name: ${name}\nlisten: 127.0.0.1:${l.clientPort}\nleafnodes { remotes: [{ urls: [${urls}] }] }\n`);
  const sup = SupervisorProcess.start(l, { NATS_SERVER_MODE: 'leaf', NATS_SERVICE: opts.service ?? 'on' }, [], opts.builtCli);
  cleanup.push(() => sup.dispose());
  return sup;
}

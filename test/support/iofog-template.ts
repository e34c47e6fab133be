import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { credsAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import path from 'node:path';
import type { Cleanup } from './cleanup.js';
import { TestCluster, type Member } from './cluster.js';
import { freeListenPort } from './ports.js';
import { putInMount, type OperatorWorld, type TestAccount } from './operator.js';
import { makeCert } from './tls.js';

/**
 * The ioFog operator's server.conf template (Datasance/iofog-operator, controllers/controlplanes/nats/config.go),
 * as BuildServerConf fills it, on loopback. Kept as the operator writes it: `server_name: $SELFNAME` and the
 * template's `prev_encryption_key: $JETSTREAM_PREV_KEY` (no closing `$`, so BuildServerConf leaves it for nats-server
 * to read from the environment), no `lame_duck_*`, `allow_delete: false`.
 */
const TEMPLATE = `port: $NATS_SERVER_PORT$
server_name: $SELFNAME
pid_file: $PID_FILE$
http_port: $NATS_HTTP_PORT$

# Operator
operator = $OPERATOR_JWT$

# System account
system_account = $SYSTEM_ACCOUNT$

jetstream: {
  store_dir: $STORE_DIR$
  domain: $JETSTREAM_DOMAIN$
  max_memory_store: $MAX_MEMORY_STORE$
  max_file_store: $MAX_FILE_STORE$
  cipher: chachapoly
  key: $JETSTREAM_KEY$
  prev_encryption_key: $JETSTREAM_PREV_KEY
}

cluster: {
  name: $CONTROLLER_NAME$
  port: $NATS_CLUSTER_PORT$
  routes: $NATS_CLUSTER_ROUTES$
  tls: {
    ca_file: "$NATS_SSL_DIR$/$NATS_CERT_NAME$/ca.crt"
    cert_file: "$NATS_SSL_DIR$/$NATS_CERT_NAME$/tls.crt"
    key_file: "$NATS_SSL_DIR$/$NATS_CERT_NAME$/tls.key"
    handshake_first: true
    verify: true
    timeout: 2
  }
}

leafnodes: {
  port: $NATS_LEAF_PORT$
  tls: {
    ca_file: "$NATS_SSL_DIR$/$NATS_CERT_NAME$/ca.crt"
    cert_file: "$NATS_SSL_DIR$/$NATS_CERT_NAME$/tls.crt"
    key_file: "$NATS_SSL_DIR$/$NATS_CERT_NAME$/tls.key"
    handshake_first: true
    verify: true
    timeout: 2
  }
}

mqtt: {
  port: $NATS_MQTT_PORT$
  tls: {
    ca_file: "$NATS_SSL_DIR$/$NATS_MQTT_CERT_NAME$/ca.crt"
    cert_file: "$NATS_SSL_DIR$/$NATS_MQTT_CERT_NAME$/tls.crt"
    key_file: "$NATS_SSL_DIR$/$NATS_MQTT_CERT_NAME$/tls.key"
    handshake_first: true
    timeout: 2
  }
}

resolver: {
  type: full
  dir: "$NATS_JWT_DIR$"
  allow_delete: false
  interval: "2m"
}
`;

/** What one member's filled template needs beyond the TestCluster's ports. */
export interface TemplatePorts {
  leafPort: number;
  mqttPort: number;
}

/** A cert for the routes, leaf and MQTT listeners: one self-signed 127.0.0.1 cert, its own CA, in every member's TLS mount. */
export async function templateCerts(members: Member[]): Promise<void> {
  const made = await makeCert(members[0]!.layout.root, 'nats');
  for (const m of members) {
    for (const name of ['nats', 'nats-mqtt']) {
      const dir = path.join(m.layout.tlsDir, name);
      await mkdir(dir, { recursive: true });
      await Promise.all([
        copyFile(made.cert, path.join(dir, 'ca.crt')),
        copyFile(made.cert, path.join(dir, 'tls.crt')),
        copyFile(made.key, path.join(dir, 'tls.key')),
      ]);
    }
  }
}

export const templatePorts = async (): Promise<TemplatePorts> => ({ leafPort: await freeListenPort(), mqttPort: await freeListenPort() });

/** The JetStream encryption keys of a deployment: one Secret, the same on every member. */
export const encryptionKeys = () => ({ key: randomBytes(24).toString('hex'), prev: randomBytes(24).toString('hex') });

/** The template filled for member `m` of `members`, `maxFileStore` as the operator's CR sets it. */
export function templateConfig(world: OperatorWorld, members: Member[], m: Member, ports: TemplatePorts, opts: { key: string; maxFileStore: string }): string {
  const routes = `[${members.map((x) => `"nats://127.0.0.1:${x.clusterPort}"`).join(', ')}]`;
  const fill: Record<string, string> = {
    $NATS_SERVER_PORT$: String(m.layout.clientPort),
    $PID_FILE$: path.join(m.layout.root, 'nats.pid'),
    $NATS_HTTP_PORT$: String(m.layout.monitorPort),
    $OPERATOR_JWT$: world.operatorJwt,
    $SYSTEM_ACCOUNT$: world.sys.key,
    $STORE_DIR$: m.layout.storeDir,
    $JETSTREAM_DOMAIN$: 'hub',
    $MAX_MEMORY_STORE$: '1G',
    $MAX_FILE_STORE$: opts.maxFileStore,
    $JETSTREAM_KEY$: opts.key,
    $CONTROLLER_NAME$: 'iofog',
    $NATS_CLUSTER_PORT$: String(m.clusterPort),
    $NATS_CLUSTER_ROUTES$: routes,
    $NATS_SSL_DIR$: m.layout.tlsDir,
    $NATS_CERT_NAME$: 'nats',
    $NATS_MQTT_CERT_NAME$: 'nats-mqtt',
    $NATS_LEAF_PORT$: String(ports.leafPort),
    $NATS_MQTT_PORT$: String(ports.mqttPort),
    $NATS_JWT_DIR$: m.layout.jwtDir,
  };
  return TEMPLATE.replace(/\$[A-Z_]+\$/g, (placeholder) => fill[placeholder] ?? placeholder);
}

/** The operator's members: the template, its env (SELFNAME, the previous key), only the system user's creds mounted. */
export async function templateCluster(world: OperatorWorld, accounts: TestAccount[], cleanup: Cleanup[]) {
  const keys = encryptionKeys();
  const cluster = await TestCluster.create('iofog-template', {
    env: { NATS_SYS_USER_CRED_PATH: 'sys.creds', NATS_ROLLING_RESTART: 'on', JETSTREAM_PREV_KEY: keys.prev },
  });
  cleanup.push(() => cluster.dispose());
  const ports = await Promise.all(cluster.members.map(() => templatePorts()));
  await templateCerts(cluster.members);
  const mountConfig = (maxFileStore: string) =>
    Promise.all(cluster.members.map((m, i) => writeFile(m.layout.conf, templateConfig(world, cluster.members, m, ports[i]!, { key: keys.key, maxFileStore }))));
  await mountConfig('10G');
  for (const m of cluster.members) {
    m.layout.env.SELFNAME = m.name;
    await putInMount(m.layout, ...accounts);
    await world.creds(world.sys, path.join(m.layout.credsDir, 'sys.creds'));
  }
  return { cluster, mountConfig };
}

/** A user of `account`, its creds written into `dir`. */
export async function userOf(world: OperatorWorld, account: TestAccount, dir: string): Promise<ConnectionOptions> {
  const file = await world.creds(account, path.join(dir, `${account.name}.creds`));
  return { authenticator: credsAuthenticator(await readFile(file)) };
}

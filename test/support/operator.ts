import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';
import { createAccount, createOperator, createUser, type KeyPair } from '@nats-io/nkeys';
import { fastKeyPair } from './fast-keys.js';
import type { Layout } from './layout.js';

/** An operator-mode world made in the test: operator, system account, accounts, users, creds. */
export interface TestAccount {
  name: string;
  kp: KeyPair;
  key: string;
  jwt: string;
}

const routeUrls = (ports: number[]): string => ports.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');

export class OperatorWorld {
  readonly operator = fastKeyPair(createOperator());
  sys!: TestAccount;
  operatorJwt = '';

  static async create(): Promise<OperatorWorld> {
    const w = new OperatorWorld();
    w.sys = await w.account('SYS', { jetstream: false });
    w.operatorJwt = await encodeOperator('OP', w.operator, { system_account: w.sys.key });
    return w;
  }

  async account(name: string, opts: { jetstream?: boolean; conn?: number; kp?: KeyPair } = {}): Promise<TestAccount> {
    const kp = opts.kp ?? fastKeyPair(createAccount());
    const js = opts.jetstream === false ? {} : { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
    const limits = { conn: opts.conn ?? -1, subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, leaf: -1, ...js };
    const jwt = await encodeAccount(name, kp, { limits: limits as never }, { signer: this.operator });
    return { name, kp, key: kp.getPublicKey(), jwt };
  }

  /** `expiresInS`: the user JWT expires that many seconds from now. */
  async creds(account: TestAccount, file: string, opts: { expiresInS?: number } = {}): Promise<string> {
    const user = fastKeyPair(createUser());
    const exp = opts.expiresInS === undefined ? {} : { exp: Math.floor(Date.now() / 1000) + opts.expiresInS };
    const jwt = await encodeUser(`${account.name}-user`, user, account.kp, {}, exp);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, fmtCreds(jwt, user));
    return file;
  }

  /**
   * Full resolver on the layout's JWT dir, deletes allowed, the system account preloaded. `cluster` makes
   * it one server of a cluster (no JetStream then: a clustered JetStream needs its own quorum).
   */
  config(l: Layout, opts: { cluster?: { name: string; port: number; routes: number[] }; resolverLimit?: number } = {}): string {
    const limit = opts.resolverLimit ? `, limit: ${opts.resolverLimit}` : '';
    return (
      [
        `listen: 127.0.0.1:${l.clientPort}`,
        `operator: ${this.operatorJwt}`,
        `system_account: ${this.sys.key}`,
        `resolver: { type: full, dir: "${l.jwtDir}", allow_delete: true, interval: "2m"${limit} }`,
        `resolver_preload: { ${this.sys.key}: ${this.sys.jwt} }`,
        ...(opts.cluster
          ? [`server_name: ${opts.cluster.name}`, `cluster { name: test, listen: 127.0.0.1:${opts.cluster.port}, routes: [${routeUrls(opts.cluster.routes)}] }`]
          : [`jetstream { store_dir: "${l.storeDir}" }`]),
      ].join('\n') + '\n'
    );
  }
}

export async function putInMount(l: Layout, ...accounts: TestAccount[]): Promise<void> {
  await mkdir(l.jwtMount, { recursive: true });
  for (const a of accounts) await writeFile(path.join(l.jwtMount, `${a.key}.jwt`), a.jwt);
}

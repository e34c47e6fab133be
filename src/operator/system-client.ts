import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { requireLazily } from '../util/lazy-require.js';

export type CallResult = { ok: true } | { ok: false; error: string };

type ClaimsReply = { data?: { code?: number; message?: string }; error?: { code?: number; description?: string }; server?: { name?: string } };

function claimsVerdict(replies: ClaimsReply[], servers: number): CallResult {
  const refusals = replies
    .filter((r) => r.data?.code !== 200)
    .map((r) => `${r.server?.name ? `${r.server.name}: ` : ''}${r.error?.description ?? r.data?.message ?? 'unexpected reply'}`);
  if (refusals.length > 0) return { ok: false, error: refusals.join('; ') };
  if (replies.length < servers) return { ok: false, error: `${replies.length} of ${servers} servers answered in time` };
  return { ok: true };
}

/**
 * One connection as the system user, opened on first use and kept: the Go wrapper opened one per purge.
 * The NATS client lives here only; the chart never sees it.
 */
export class SystemClient {
  private conn: Promise<NatsConnection> | null = null;

  constructor(
    private readonly url: string,
    private readonly credsPath: string,
  ) {}

  /** The creds the connection last authenticated with. */
  private usedCreds: Uint8Array | null = null;

  /**
   * Creds mounted anew while the connection is up (renewed before they expire, or another user) are used from
   * the next batch on: the connection is closed and the next call connects with them.
   */
  private followCreds(): void {
    if (!this.conn || !this.usedCreds) return;
    const mounted = readCredsOr(this.credsPath, this.usedCreds);
    if (Buffer.compare(mounted, this.usedCreds) === 0) return;
    const old = this.conn;
    this.conn = null;
    this.usedCreds = null;
    void old.then((nc) => nc.close()).catch(() => undefined);
  }

  private connection(): Promise<NatsConnection> {
    if (this.conn) return this.conn;
    const conn = (async () => {
      // Read now, so a missing file fails this call; read again at every (re)connect after that.
      let creds: Uint8Array = (this.usedCreds = await readFile(this.credsPath));
      // Loaded on first use: a server without operator mode never pays for the client's memory.
      const { connect, credsAuthenticator } = requireLazily('@nats-io/transport-node') as typeof import('@nats-io/transport-node');
      const nc = await connect({
        servers: this.url,
        // The creds mounted now, not those of the first connect: replaced creds (expired ones renewed) are used
        // at the next reconnect; a file missing for a moment keeps the last ones read.
        authenticator: credsAuthenticator(() => (this.usedCreds = creds = readCredsOr(this.credsPath, creds))),
        name: 'iofog-nats',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // No call-site stack captured for every request: two Error objects per claims push, a measurable
        // share of a push's CPU, for stacks no log line shows (failures are reported by subject and reason).
        noAsyncTraces: true,
      });
      // A connection the client gave up on (repeated authorization errors: expired creds) is not kept: the
      // next call connects afresh with what is mounted then.
      void nc.closed().then(() => {
        if (this.conn === conn) this.conn = null;
      });
      return nc;
    })();
    this.conn = conn;
    // A failed connect is retried on the next call, not cached.
    conn.catch(() => {
      if (this.conn === conn) this.conn = null;
    });
    return conn;
  }

  /**
   * Waits until the connection answers a PING. A reload in operator mode drops the system user's
   * connection (seen on 2.9.10); a request sent before the client is back is lost, so batches start here.
   */
  async ready(timeoutMs = 5000): Promise<boolean> {
    // Once per batch, not per request: a claims push of thousands of accounts reads the creds file once.
    this.followCreds();
    try {
      const nc = await this.connection();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const ok = await Promise.race([nc.flush().then(() => true), timeout]);
      clearTimeout(timer);
      return ok;
    } catch {
      return false;
    }
  }

  async request(subject: string, body: string | Uint8Array, timeoutMs: number): Promise<unknown> {
    const nc = await this.connection();
    const reply = await nc.request(subject, body, { timeout: timeoutMs });
    return reply.json<unknown>();
  }

  /** `$JS.API.ACCOUNT.PURGE.<account>`; a request not from the system account gets no reply: a timeout is never success. */
  async purgeAccount(account: string, timeoutMs = 5000): Promise<CallResult> {
    try {
      const reply = (await this.request(`$JS.API.ACCOUNT.PURGE.${account}`, '', timeoutMs)) as {
        initiated?: boolean;
        error?: { code?: number; description?: string };
      };
      if (reply.error) return { ok: false, error: `${reply.error.code ?? ''} ${reply.error.description ?? 'error'}`.trim() };
      return reply.initiated ? { ok: true } : { ok: false, error: 'the server did not initiate the purge' };
    } catch (err) {
      return { ok: false, error: describe(err) };
    }
  }

  /**
   * How many servers answer a claims push: this one and every server routed to it (in a cluster each
   * full resolver replies). Asked of the connected server itself (ROUTEZ); unknown → 1.
   */
  async clusterSize(timeoutMs = 2000): Promise<number> {
    try {
      const nc = await this.connection();
      const id = nc.info?.server_id;
      if (!id) return 1;
      const reply = (await this.request(`$SYS.REQ.SERVER.${id}.ROUTEZ`, '', timeoutMs)) as { data?: { routes?: { remote_id?: string }[] } };
      return 1 + new Set((reply.data?.routes ?? []).flatMap((r) => (r.remote_id ? [r.remote_id] : []))).size;
    } catch {
      return 1;
    }
  }

  /**
   * `$SYS.REQ.CLAIMS.UPDATE` with the raw account JWT. Success is `data.code` 200 from every one of
   * `servers`: the first reply does not speak for the rest of a cluster.
   */
  async pushClaims(jwt: string, timeoutMs = 2000, servers = 1): Promise<CallResult> {
    try {
      if (servers <= 1) return claimsVerdict([(await this.request('$SYS.REQ.CLAIMS.UPDATE', jwt, timeoutMs)) as ClaimsReply], 1);
      const nc = await this.connection();
      const replies: ClaimsReply[] = [];
      for await (const m of await nc.requestMany('$SYS.REQ.CLAIMS.UPDATE', jwt, { strategy: 'count', maxMessages: servers, maxWait: timeoutMs })) {
        replies.push(m.json<ClaimsReply>());
      }
      return claimsVerdict(replies, servers);
    } catch (err) {
      return { ok: false, error: describe(err) };
    }
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    await conn?.then((nc) => nc.close()).catch(() => undefined);
  }
}

function readCredsOr(file: string, last: Uint8Array): Uint8Array {
  try {
    return readFileSync(file);
  } catch {
    return last;
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  if (e?.name === 'TimeoutError' || /timeout/i.test(e?.message ?? '')) return 'timeout (no reply: is the user in the system account?)';
  return e?.message ?? String(err);
}

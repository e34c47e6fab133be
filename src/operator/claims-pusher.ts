import { limiter, mapPool } from '../util/concurrency.js';
import type { Logger } from '../logger.js';
import type { JwtMirror } from './jwt-mirror.js';
import { withRetries } from './retries.js';
import type { SystemClient } from './system-client.js';

const PUSH_CONCURRENCY = 64;

// Right after a reload nats-server 2.9.10 sometimes drops the first request: give it a short first
// chance, then the patient timeout (a push is idempotent, so a late duplicate does no harm).
const pushTimeoutMs = (attempt: number): number => (attempt === 0 ? 750 : 2000);

export interface PushCounts {
  pushed: number;
  failed: number;
}

/**
 * `$SYS.REQ.CLAIMS.UPDATE` for the account JWTs whose contents changed since their last successful push.
 * After a JWT-only change the server is ready and no signal is coming, so each account is pushed the
 * moment the mirror has written its file (`pushAsWritten`); the reconcile that follows collects those and
 * pushes whatever else is still due.
 */
export class ClaimsPusher {
  /** account → sha256 of the JWT last pushed; null until the first reconcile takes the start-up set as pushed. */
  private pushed: Map<string, string> | null = null;
  private early = new Map<string, Promise<boolean>>();
  private servers: Promise<number> | null = null;
  private readonly gate = limiter(PUSH_CONCURRENCY);

  constructor(
    private readonly client: SystemClient,
    private readonly mirror: JwtMirror,
    private readonly log: Logger,
  ) {}

  pushAsWritten(account: string, sha: string, jwt: string): void {
    if (this.pushed === null || this.pushed.get(account) === sha) return;
    this.servers ??= this.client.clusterSize();
    this.early.set(
      account,
      this.gate(() => this.pushOne(account, sha, jwt)),
    );
  }

  async pushChanged(signal?: AbortSignal): Promise<PushCounts> {
    const current = this.mirror.accounts();
    if (this.pushed === null) {
      // At start nats-server loaded the mirrored set itself: it counts as pushed.
      this.pushed = new Map(current);
      return { pushed: 0, failed: 0 };
    }
    const early = [...this.early];
    this.early = new Map();
    const results = await Promise.all(early.map(([, result]) => result));
    // An account pushed as it was written has had its retries: it waits for the next change.
    const tried = new Set(early.map(([account]) => account));
    const due = [...current].filter(([account, sha]) => !tried.has(account) && this.pushed!.get(account) !== sha);
    if (due.length > 0) {
      this.servers ??= this.client.clusterSize();
      results.push(...(await mapPool(due, PUSH_CONCURRENCY, ([account, sha]) => this.pushOne(account, sha, this.mirror.jwt(account), signal))));
    }
    for (const account of [...this.pushed.keys()]) if (!current.has(account)) this.pushed.delete(account);
    return this.summarise(results);
  }

  private async summarise(results: boolean[]): Promise<PushCounts> {
    const servers = (await this.servers) ?? 1;
    this.servers = null;
    const pushed = results.filter(Boolean).length;
    const counts = { pushed, failed: results.length - pushed };
    if (results.length > 0) this.log.info({ ...counts, servers }, `account claims pushed to ${servers === 1 ? 'the server' : `each of ${servers} servers`}`);
    return counts;
  }

  private async pushOne(account: string, sha: string, jwt: string | null, signal?: AbortSignal): Promise<boolean> {
    const servers = (await this.servers) ?? 1;
    const result =
      jwt === null
        ? { ok: false as const, error: 'its JWT is gone from the resolver dir' }
        : await withRetries(
            (attempt) => this.client.pushClaims(jwt, pushTimeoutMs(attempt), servers),
            (error) => this.log.debug({ account, error }, 'claims push attempt failed; retrying'),
            signal,
          );
    if (result.ok) this.pushed?.set(account, sha);
    else this.log.error({ account, error: result.error }, 'account claims push failed; the reconcile is tried again');
    return result.ok;
  }
}

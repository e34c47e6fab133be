import { setTimeout as sleep } from 'node:timers/promises';
import type { ReconcileReport } from '../../machines/outputs.js';
import { mapPool } from '../concurrency.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import type { JwtMirror } from './jwt-mirror.js';
import { planPurge, type PurgePlan } from './purge-rules.js';
import { resolverAccounts, serverFacts, storeEntries, type ServerFacts } from './server-facts.js';
import { SystemClient, type CallResult } from './system-client.js';

const PUSH_CONCURRENCY = 64;
const RETRY_DELAYS_MS = [250, 1000, 3000];

async function withRetries(call: (attempt: number) => Promise<CallResult>, onRetry: (error: string) => void, signal?: AbortSignal): Promise<CallResult> {
  let result = await call(0);
  for (const [i, delay] of RETRY_DELAYS_MS.entries()) {
    if (result.ok || signal?.aborted) return result;
    onRetry(result.error);
    await sleep(delay, undefined, signal ? { signal } : {}).catch(() => undefined);
    result = await call(i + 1);
  }
  return result;
}

// Right after a reload nats-server 2.9.10 sometimes drops the first request: give it a short first
// chance, then the patient timeout (a push is idempotent, so a late duplicate does no harm).
const pushTimeoutMs = (attempt: number): number => (attempt === 0 ? 750 : 2000);

/**
 * The `reconcile` effect: purge JetStream data of accounts that left the resolver (only when every rule
 * holds), then push the account JWTs whose contents changed since their last successful push.
 */
export class Reconciler {
  private readonly client: SystemClient | null;
  /** account → sha256 of the JWT last pushed; null until the first reconcile takes the start-up set as pushed. */
  private pushed: Map<string, string> | null = null;

  constructor(private readonly settings: Settings, private readonly mirror: JwtMirror, private readonly log: Logger) {
    this.client = settings.sysUserCredPath ? new SystemClient(settings.clientUrl, settings.sysUserCredPath) : null;
  }

  async plan(): Promise<PurgePlan & ServerFacts> {
    const facts = await serverFacts(this.settings);
    const plan = planPurge({
      mode: this.settings.purge,
      sysCredsSet: this.client !== null,
      resolverAccounts: await resolverAccounts(this.settings.jwtDir),
      systemAccount: facts.systemAccount,
      storeEntries: await storeEntries(facts.jetstreamDir),
    });
    return { ...plan, ...facts };
  }

  async reconcile(signal?: AbortSignal): Promise<ReconcileReport> {
    const at = (): string => new Date().toISOString();
    if (!this.client) {
      return { at: at(), purged: [], pushed: 0, failed: 0, skipped: 'NATS_SYS_USER_CRED_PATH is not set: no purge, no claims push' };
    }
    // Not ready in time is not fatal: every call below retries and reports its own failure.
    await this.client.ready();
    const purged = await this.purge(signal);
    const { pushed, failed } = await this.push(signal);
    return { at: at(), purged, pushed, failed, skipped: this.settings.purge === 'dry-run' ? 'dry-run: nothing purged' : null };
  }

  private async purge(signal?: AbortSignal): Promise<string[]> {
    const plan = await this.plan();
    if (plan.blocked) this.log.info({ reason: plan.blocked }, 'no JetStream purge');
    if (this.settings.purge === 'dry-run') {
      for (const account of plan.purge) this.log.warn({ account, dryRun: true }, 'would purge the JetStream data of an account that left the resolver');
      return [];
    }
    const purged: string[] = [];
    for (const account of plan.purge) {
      const result = await withRetries(() => this.client!.purgeAccount(account), (error) => this.log.debug({ account, error }, 'purge attempt failed; retrying'), signal);
      if (result.ok) purged.push(account);
      this.log[result.ok ? 'info' : 'error']({ account, outcome: result.ok ? 'purged' : 'failed', error: result.ok ? undefined : result.error },
        result.ok ? 'purged the JetStream data of an account that left the resolver' : 'JetStream purge failed; will try again on the next change');
    }
    return purged;
  }

  private async push(signal?: AbortSignal): Promise<{ pushed: number; failed: number }> {
    const current = this.mirror.accounts();
    if (this.pushed === null) {
      // At start nats-server loaded the mirrored set itself: it counts as pushed.
      this.pushed = new Map(current);
      return { pushed: 0, failed: 0 };
    }
    const changed = [...current].filter(([k, sha]) => this.pushed!.get(k) !== sha);
    if (changed.length === 0) return { pushed: 0, failed: 0 };
    const servers = await this.client!.clusterSize();
    let failed = 0;
    await mapPool(changed, PUSH_CONCURRENCY, async ([account, sha]) => {
      const jwt = this.mirror.jwt(account);
      const result = jwt === null
        ? { ok: false as const, error: 'its JWT is gone from the resolver dir' }
        : await withRetries((attempt) => this.client!.pushClaims(jwt, pushTimeoutMs(attempt), servers), (error) => this.log.debug({ account, error }, 'claims push attempt failed; retrying'), signal);
      if (result.ok) this.pushed!.set(account, sha);
      else {
        failed += 1;
        this.log.error({ account, error: result.error }, 'account claims push failed; will try again on the next change');
      }
    });
    for (const account of [...this.pushed.keys()]) if (!current.has(account)) this.pushed.delete(account);
    this.log.info({ pushed: changed.length - failed, failed, servers }, `account claims pushed to ${servers === 1 ? 'the server' : `each of ${servers} servers`}`);
    return { pushed: changed.length - failed, failed };
  }

  close(): Promise<void> {
    return this.client?.close() ?? Promise.resolve();
  }
}

import type { ReconcileReport } from '../../machines/outputs.js';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';
import { ClaimsPusher } from './claims-pusher.js';
import type { JwtMirror } from './jwt-mirror.js';
import { currentPurgePlan } from './purge-plan.js';
import type { PurgePlan } from './purge-rules.js';
import { withRetries } from './retries.js';
import type { ServerConfig } from '../config/server-config.js';
import type { ServerFacts } from '../nats-server/server-facts.js';
import { SystemClient } from './system-client.js';

/**
 * The `reconcile` effect: purge JetStream data of accounts that left the resolver (only when every rule
 * holds), then push the account JWTs whose contents changed since their last successful push.
 */
export class Reconciler {
  private readonly client: SystemClient | null;
  private readonly pusher: ClaimsPusher | null;

  constructor(
    private readonly settings: Settings,
    private readonly config: ServerConfig,
    mirror: JwtMirror,
    private readonly log: Logger,
  ) {
    this.client = settings.sysUserCredPath ? new SystemClient(settings.clientUrl, settings.sysUserCredPath) : null;
    this.pusher = this.client ? new ClaimsPusher(this.client, mirror, log) : null;
  }

  /** For a JWT-only change: push each account as soon as the mirror has written it (see ClaimsPusher). */
  pushAsWritten(account: string, sha: string, jwt: string): void {
    this.pusher?.pushAsWritten(account, sha, jwt);
  }

  plan(): Promise<PurgePlan & ServerFacts> {
    return currentPurgePlan(this.settings, this.config);
  }

  async reconcile(signal?: AbortSignal): Promise<ReconcileReport> {
    const at = (): string => new Date().toISOString();
    if (!this.client || !this.pusher) {
      return { at: at(), purged: [], purgeFailed: [], pushed: 0, failed: 0, skipped: 'NATS_SYS_USER_CRED_PATH is not set: no purge, no claims push' };
    }
    // Not ready in time is not fatal: every call below retries and reports its own failure.
    await this.client.ready();
    const { purged, purgeFailed } = await this.purge(signal);
    const { pushed, failed } = await this.pusher.pushChanged(signal);
    return { at: at(), purged, purgeFailed, pushed, failed, skipped: this.settings.purge === 'dry-run' ? 'dry-run: nothing purged' : null };
  }

  private async purge(signal?: AbortSignal): Promise<{ purged: string[]; purgeFailed: string[] }> {
    const plan = await this.plan();
    if (plan.blocked) this.log.info({ reason: plan.blocked }, 'no JetStream purge');
    if (this.settings.purge === 'dry-run') {
      for (const account of plan.purge) this.log.warn({ account, dryRun: true }, 'would purge the JetStream data of an account that left the resolver');
      return { purged: [], purgeFailed: [] };
    }
    const purged: string[] = [];
    const purgeFailed: string[] = [];
    for (const account of plan.purge) {
      const result = await withRetries(
        () => this.client!.purgeAccount(account),
        (error) => this.log.debug({ account, error }, 'purge attempt failed; retrying'),
        signal,
      );
      (result.ok ? purged : purgeFailed).push(account);
      this.log[result.ok ? 'info' : 'error'](
        { account, outcome: result.ok ? 'purged' : 'failed', error: result.ok ? undefined : result.error },
        result.ok ? 'purged the JetStream data of an account that left the resolver' : 'JetStream purge failed; the reconcile is tried again',
      );
    }
    return { purged, purgeFailed };
  }

  close(): Promise<void> {
    return this.client?.close() ?? Promise.resolve();
  }
}

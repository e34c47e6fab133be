import type { ReconcileInput, ReconcileReport } from '../../machines/outputs.js';
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
import { storesStreams } from './listings.js';
import { purgeWaits } from '../cluster/purge-agreement.js';
import { knownMembers, memberName } from '../cluster/lease-members.js';

type PurgeOutcome = Pick<ReconcileReport, 'purged' | 'purgeFailed' | 'purgeWaiting'>;

/**
 * The `reconcile` effect: purge JetStream data of accounts that left the resolver (only when every rule
 * holds), then push the account JWTs whose contents changed since their last successful push.
 */
export class Reconciler {
  private readonly client: SystemClient | null;
  private readonly pusher: ClaimsPusher | null;
  /** The waits last said, so an unchanged wait is said again only at debug level. */
  private waitsSaid = '';

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

  async reconcile({ clustered }: ReconcileInput, signal?: AbortSignal): Promise<ReconcileReport> {
    const at = (): string => new Date().toISOString();
    if (!this.client || !this.pusher) {
      const skipped = 'NATS_SYS_USER_CRED_PATH is not set: no purge, no claims push';
      return { at: at(), purged: [], purgeFailed: [], purgeWaiting: [], pushed: 0, failed: 0, skipped };
    }
    // Not ready in time is not fatal: every call below retries and reports its own failure.
    await this.client.ready();
    const purge = await this.purge(clustered, signal);
    const { pushed, failed } = await this.pusher.pushChanged(signal);
    return { at: at(), ...purge, pushed, failed, skipped: this.settings.purge === 'dry-run' ? 'dry-run: nothing purged' : null };
  }

  private async purge(clustered: boolean, signal?: AbortSignal): Promise<PurgeOutcome> {
    const plan = await this.plan();
    if (plan.blocked) this.log.info({ reason: plan.blocked }, 'no JetStream purge');
    const candidates = await this.stillStored(plan);
    const waits = clustered ? await this.clusterWaits(candidates) : new Map<string, string[]>();
    this.sayWaits(waits);
    const purgeWaiting = [...waits].map(([account, reasons]) => ({ account, reasons }));
    const due = candidates.filter((a) => !waits.has(a));
    if (this.settings.purge === 'dry-run') {
      for (const account of due) this.log.warn({ account, dryRun: true }, 'would purge the JetStream data of an account that left the resolver');
      return { purged: [], purgeFailed: [], purgeWaiting };
    }
    return { ...(await this.purgeEach(due, signal)), purgeWaiting };
  }

  /** The accounts this member's store still holds streams of: one the cluster purged already is not purged again. */
  private async stillStored(plan: PurgePlan & ServerFacts): Promise<string[]> {
    const dir = plan.jetstreamDir;
    if (dir === null) return plan.purge;
    const stored = await Promise.all(plan.purge.map((a) => storesStreams(dir, a)));
    for (const a of plan.purge.filter((_, i) => !stored[i])) this.log.debug({ account: a }, 'no stream of this account is stored here: nothing to purge');
    return plan.purge.filter((_, i) => stored[i]);
  }

  /**
   * A purge acts on every member: in a cluster each account waits until every member's mount has let it go
   * (docs/operator-mode.md: A purge the cluster agrees to).
   */
  private async clusterWaits(accounts: string[]): Promise<Map<string, string[]>> {
    if (accounts.length === 0) return new Map();
    const [members, self] = await Promise.all([knownMembers(this.settings), memberName(this.settings).catch(() => null)]);
    if (self === null) return new Map(accounts.map((a) => [a, ['nats-server did not say its server_name, so the other members cannot be told']]));
    return purgeWaits((subject, body, timeoutMs) => this.client!.request(subject, body, timeoutMs), members, self, accounts);
  }

  private sayWaits(waits: Map<string, string[]>): void {
    const said = JSON.stringify([...waits]);
    for (const [account, reasons] of waits) {
      this.log[said === this.waitsSaid ? 'debug' : 'info'](
        { account, reasons },
        "the purge of an account that left this mount waits for the cluster's other mounts",
      );
    }
    this.waitsSaid = said;
  }

  private async purgeEach(accounts: string[], signal?: AbortSignal): Promise<Pick<PurgeOutcome, 'purged' | 'purgeFailed'>> {
    const purged: string[] = [];
    const purgeFailed: string[] = [];
    for (const account of accounts) {
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

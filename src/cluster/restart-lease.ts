import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { requireLazily } from '../util/lazy-require.js';

/** The cluster's one restart at a time: a key in a JetStream KV bucket, taken with a revision check. */
export const LEASE_BUCKET = 'iofog_nats_restart';
const KEY = 'lease';

export interface LeaseBucketOptions {
  /** A member that dies holding the lease blocks the others no longer than this (the bucket's max age). */
  ttlMs: number;
  /** 3 in a cluster: the lease outlives any one member. */
  replicas: number;
}

/** Opens the lease's bucket, making it if there is none. */
export async function openLeaseBucket(nc: NatsConnection, opts: LeaseBucketOptions): Promise<KV> {
  const { Kvm } = requireLazily('@nats-io/kv') as typeof import('@nats-io/kv');
  return new Kvm(nc).create(LEASE_BUCKET, { history: 1, ttl: opts.ttlMs, replicas: opts.replicas });
}

/** `revision`: the holder's, to take over a lease held under a name that is not a member's; null while released. */
export type TakeAnswer = { taken: true } | { taken: false; holder: string; revision: number | null };

/**
 * One member's hold on the restart lease: take, refresh while held, release. Every call is one question to
 * JetStream; retrying, and when, is the caller's (src/cluster/restart-lease-actor.ts).
 */
export class RestartLease {
  /** The lease's revision while this member holds it. */
  private revision: number | null = null;

  constructor(
    private readonly kv: KV,
    readonly member: string,
  ) {}

  get held(): boolean {
    return this.revision !== null;
  }

  /** Takes the lease, or finds it still ours (from before this supervisor restarted); else names its holder. */
  async take(): Promise<TakeAnswer> {
    try {
      this.revision = await this.kv.create(KEY, this.member);
      return { taken: true };
    } catch {
      const entry = await this.kv.get(KEY);
      const holder = entry && entry.operation === 'PUT' ? entry.string() : null;
      if (entry && holder === this.member) {
        this.revision = await this.kv.update(KEY, this.member, entry.revision);
        return { taken: true };
      }
      if (entry && holder !== null) return { taken: false, holder, revision: entry.revision };
      return { taken: false, holder: 'another member (its lease is being released)', revision: null };
    }
  }

  /** Takes the lease from a holder at `revision`; false when it changed meanwhile (taken, released, expired). */
  async takeOver(revision: number): Promise<boolean> {
    try {
      this.revision = await this.kv.update(KEY, this.member, revision);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Writes the lease again so it does not expire. False once it is no longer ours (expired, taken over). A
   * refresh that was written but whose answer was lost (a failover) left a newer revision, still ours: kept.
   */
  async refresh(): Promise<boolean> {
    if (this.revision === null) return false;
    try {
      this.revision = await this.kv.update(KEY, this.member, this.revision);
    } catch (err) {
      this.revision = await this.ourRevision();
      if (this.revision === null) throw err;
    }
    return true;
  }

  /**
   * Deletes the lease while it is still ours. `gone`: it had expired or was taken over, or an earlier release
   * whose answer was lost had deleted it. A failure throws, and the lease stays held to be released again.
   */
  async release(): Promise<'released' | 'gone'> {
    const revision = await this.ourRevision();
    if (revision !== null) await this.kv.delete(KEY, { previousSeq: revision });
    this.revision = null;
    return revision === null ? 'gone' : 'released';
  }

  /** Who holds the lease now, if anyone. */
  async holder(): Promise<string | null> {
    const entry = await this.kv.get(KEY);
    return entry && entry.operation === 'PUT' ? entry.string() : null;
  }

  private async ourRevision(): Promise<number | null> {
    const entry = await this.kv.get(KEY);
    return entry && entry.operation === 'PUT' && entry.string() === this.member ? entry.revision : null;
  }
}

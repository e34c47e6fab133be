import type { ServerConfig } from '../config/server-config.js';
import type { Settings } from '../settings.js';
import { resolverAccounts, storeEntries } from './listings.js';
import { planPurge, type PurgePlan } from './purge-rules.js';
import { serverFacts, type ServerFacts } from '../nats-server/server-facts.js';

/** What a reconcile would purge now, with what it was judged from: `check` prints it, the reconcile acts on it. */
export async function currentPurgePlan(settings: Settings, config: ServerConfig): Promise<PurgePlan & ServerFacts & { resolverSize: number | null }> {
  const facts = await serverFacts(settings, config);
  const resolver = await resolverAccounts(settings.jwtDir);
  const plan = planPurge({
    mode: settings.purge,
    sysCredsSet: settings.sysUserCredPath !== null,
    resolverAccounts: resolver,
    systemAccount: facts.systemAccount,
    storeEntries: await storeEntries(facts.jetstreamDir),
  });
  return { ...plan, ...facts, resolverSize: resolver?.size ?? null };
}

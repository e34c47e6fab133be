import type { MountHolds } from '../operator/jwt-mirror.js';
import { memberSubject } from '../fleet/service-subjects.js';

/** A member's answer to `holds`: which of the accounts asked about its mount holds, or why it cannot tell. */
export type HoldsAnswer = { held: string[] } | { unknown: string };

/** Sends a request and gives back its JSON reply; throws when none comes in time. */
export type Ask = (subject: string, body: string, timeoutMs: number) => Promise<unknown>;

const ASK_MS = 2000;

/** The `holds` endpoint's answer: `{"accounts": [...]}` asks; nothing it is sent changes anything. */
export function heldOf(mount: MountHolds, data: Uint8Array): HoldsAnswer {
  let asked: unknown;
  try {
    asked = (JSON.parse(new TextDecoder().decode(data)) as { accounts?: unknown }).accounts;
  } catch {
    asked = undefined;
  }
  if (!Array.isArray(asked)) throw new Error('send {"accounts": ["<account public key>", ...]}');
  if ('unknown' in mount) return { unknown: mount.unknown };
  return { held: asked.filter((a): a is string => typeof a === 'string' && mount.accounts.has(a)) };
}

function asHoldsAnswer(reply: unknown): HoldsAnswer {
  const r = reply as Partial<{ held: unknown; unknown: unknown }> | null;
  if (typeof r?.unknown === 'string') return { unknown: r.unknown };
  if (Array.isArray(r?.held)) return { held: r.held.filter((a): a is string => typeof a === 'string') };
  throw new Error('an answer that is not a holds answer');
}

async function askMember(ask: Ask, member: string, accounts: string[]): Promise<HoldsAnswer> {
  try {
    return asHoldsAnswer(await ask(`${memberSubject(member)}.holds`, JSON.stringify({ accounts }), ASK_MS));
  } catch (err) {
    return { unknown: `no answer (${String(err)}): its supervisor's NATS service is off, down or not reachable` };
  }
}

/**
 * Why each account's purge waits on the other members of the cluster (docs/operator-mode.md: A purge the cluster
 * agrees to); an account absent from the map is let go by every member's mount. A member that does not answer,
 * or cannot say what its mount holds, holds every account: an unanswered question is never taken for a yes.
 */
export async function purgeWaits(ask: Ask, members: ReadonlySet<string> | null, self: string, accounts: string[]): Promise<Map<string, string[]>> {
  const waits = new Map<string, string[]>();
  const add = (account: string, why: string) => waits.set(account, [...(waits.get(account) ?? []), why]);
  if (accounts.length === 0) return waits;
  if (members === null) {
    for (const a of accounts) add(a, "the cluster's members cannot be told here (nats-server lists fewer meta peers than the cluster has)");
    return waits;
  }
  const others = [...members].filter((m) => m !== self).sort();
  const answers = await Promise.all(others.map((m) => askMember(ask, m, accounts)));
  others.forEach((member, i) => {
    const answer = answers[i]!;
    if ('unknown' in answer) for (const a of accounts) add(a, `${member}: ${answer.unknown}`);
    else for (const a of answer.held) add(a, `${member}'s mount still holds it`);
  });
  return waits;
}

import { fetchStreams } from './monitor.js';
import { withDeadline } from '../util/deadline.js';

/** The detail is asked once, when a restart is to be decided; at 12,000 streams it took 1.2–2.5 s (docs/performance.md). */
const WEIGH_TIMEOUT_MS = 10_000;

interface StreamDetail {
  name?: string;
  config?: { storage?: string; num_replicas?: number };
  state?: { messages?: number };
}
export interface LossJsz {
  disabled?: boolean;
  account_details?: { name?: string; stream_detail?: StreamDetail[] }[];
}

/**
 * What a restart of this nats-server loses of what it acked, by its own /jsz: the messages of its R1 memory
 * streams (a replicated stream's other replicas keep theirs, and the cluster's spare check waits for them).
 * Null when nothing: none held, or JetStream already disabled (which dropped them).
 */
export function lossOf(jsz: LossJsz): string | null {
  if (jsz.disabled === true) return null;
  const lost = (jsz.account_details ?? []).flatMap((account) =>
    (account.stream_detail ?? [])
      .filter((s) => s.config?.storage === 'memory' && (s.config.num_replicas ?? 1) <= 1 && (s.state?.messages ?? 0) > 0)
      .map((s) => `${account.name ?? '?'} > ${s.name ?? '?'} (${s.state?.messages ?? 0} messages)`),
  );
  return lost.length ? `the messages of its R1 memory streams: ${lost.join(', ')}` : null;
}

/** lossOf, asked of nats-server; when it does not answer, what would be lost cannot be told, which is said. */
export async function whatRestartLoses(monitorPort: number): Promise<string | null> {
  if (monitorPort === 0) return 'what it holds in memory, which cannot be told: monitoring is off (NATS_MONITOR_PORT)';
  try {
    const jsz = await withDeadline(WEIGH_TIMEOUT_MS, undefined, (signal) => fetchStreams(monitorPort, signal));
    return lossOf(jsz as LossJsz);
  } catch (err) {
    return `what it holds in memory, which cannot be told: JetStream does not answer /jsz (${String(err)})`;
  }
}

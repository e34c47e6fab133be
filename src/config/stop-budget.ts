import type { ConfigFacts } from './server-config.js';

/** What NATS_SHUTDOWN=lame-duck needs beyond nats-server's own lame-duck time (contract: environment). */
const LAME_DUCK_MARGIN_MS = 20_000;

/**
 * Why the stop budget cannot cover a lame-duck stop, or null when it can (or nothing asks for one). A budget
 * that runs out first SIGKILLs nats-server halfway through moving its clients off.
 */
export function stopBudgetProblem(shutdown: 'term' | 'lame-duck', stopTimeoutSeconds: number, facts: Pick<ConfigFacts, 'lameDuck' | 'error'>): string | null {
  if (shutdown !== 'lame-duck' || facts.error) return null;
  const { graceMs, durationMs } = facts.lameDuck;
  const neededMs = graceMs + durationMs + LAME_DUCK_MARGIN_MS;
  if (stopTimeoutSeconds * 1000 >= neededMs) return null;
  const s = (ms: number): string => `${ms / 1000} s`;
  return `${stopTimeoutSeconds} s is shorter than a lame-duck stop: lame_duck_grace_period ${s(graceMs)} + lame_duck_duration ` +
    `${s(durationMs)} + ${s(LAME_DUCK_MARGIN_MS)} = ${s(neededMs)}; raise NATS_STOP_TIMEOUT_SECONDS (and terminationGracePeriodSeconds above it) or lower lame_duck_duration`;
}

import type { ShutdownStyle } from '../../machines/context.js';
import { SettingsError, type Settings } from '../settings.js';
import type { ConfigFacts } from './server-config.js';

/** What a lame-duck stop needs beyond nats-server's own lame-duck time (docs/contract.md: Stopping). */
const LAME_DUCK_MARGIN_MS = 20_000;
/** Kept back from the grace: the supervisor's own exit after nats-server's, and the signal's way through tini. */
const GRACE_MARGIN_SECONDS = 2;
/** After SIGINT, which ends a lame duck at once (SIGTERM does not: docs/cluster.md), before SIGKILL. */
const FINAL_SECONDS = 3;
/** A cluster member's share of the grace for the stop itself; the rest is its wait to be spared. */
const STOP_SHARE = 0.4;
const MIN_STOP_SECONDS = 5;
/** A restart the supervisor decides has no platform deadline: SIGINT, then SIGKILL this long after. */
const RESTART_STOP_SECONDS = 25;

/**
 * How this supervisor stops nats-server inside the time the platform gives it (docs/contract.md: Stopping): at a
 * shutdown, the wait to be spared, the shutdown signal, SIGINT, then SIGKILL, together within the grace.
 */
export interface StopPlan {
  shutdown: ShutdownStyle;
  /** NATS_STOP_GRACE_SECONDS: the platform's SIGKILL comes this long after its SIGTERM. */
  graceSeconds: number;
  /** A cluster member waits up to this long to be spared (0 for a standalone server, which does not wait). */
  leaveTimeoutSeconds: number;
  /** The shutdown signal (lame duck, SIGTERM) runs this long before SIGINT ends it. */
  signalSeconds: number;
  /** SIGKILL this long after SIGINT. */
  finalSeconds: number;
  /** A restart the supervisor decides: SIGINT, then SIGKILL after this. */
  restartStopSeconds: number;
  /** Where the signal came from, for the start line and `check`. */
  why: string;
}

type StopSettings = Pick<Settings, 'shutdown' | 'stopGraceSeconds' | 'stopTimeoutSeconds' | 'leaveTimeoutSeconds'>;
type StopFacts = Pick<ConfigFacts, 'lameDuck' | 'clustered' | 'error'>;

const lameDuckNeedMs = (facts: StopFacts): number => facts.lameDuck.graceMs + facts.lameDuck.durationMs + LAME_DUCK_MARGIN_MS;

/** The stop's share (signal and SIGINT) when NATS_STOP_TIMEOUT_SECONDS is unset: a lame duck no longer than it asks. */
function stopShare(budget: number, shutdown: ShutdownStyle, facts: StopFacts): number {
  if (!facts.clustered) return budget;
  const share = Math.min(budget, Math.max(MIN_STOP_SECONDS, Math.round(budget * STOP_SHARE)));
  return shutdown === 'lame-duck' ? Math.min(share, Math.ceil(lameDuckNeedMs(facts) / 1000)) : share;
}

/**
 * A cluster member stops through lame duck unless NATS_SHUTDOWN says otherwise (its leaders move away first); a
 * standalone server with SIGTERM. The whole stop fits NATS_STOP_GRACE_SECONDS less a margin: unset, the wait to be
 * spared takes what the stop leaves; set values that do not fit are a bad setting, because the platform would
 * SIGKILL the stop halfway.
 */
export function stopPlan(settings: StopSettings, facts: StopFacts): StopPlan {
  const shutdown = settings.shutdown ?? (facts.clustered ? 'lame-duck' : 'term');
  const why = settings.shutdown ? 'NATS_SHUTDOWN' : facts.clustered ? 'a cluster member' : 'a standalone server';
  const budget = settings.stopGraceSeconds - GRACE_MARGIN_SECONDS;
  const stopSeconds = settings.stopTimeoutSeconds ?? stopShare(budget, shutdown, facts);
  const leaveTimeoutSeconds = facts.clustered ? (settings.leaveTimeoutSeconds ?? Math.max(0, budget - stopSeconds)) : 0;
  if (leaveTimeoutSeconds + stopSeconds > budget) throw overrun(settings, leaveTimeoutSeconds, stopSeconds);
  const finalSeconds = Math.min(FINAL_SECONDS, Math.floor(stopSeconds / 2));
  return {
    shutdown,
    graceSeconds: settings.stopGraceSeconds,
    leaveTimeoutSeconds,
    signalSeconds: stopSeconds - finalSeconds,
    finalSeconds,
    restartStopSeconds: settings.stopTimeoutSeconds ?? RESTART_STOP_SECONDS,
    why,
  };
}

function overrun(settings: StopSettings, leaveSeconds: number, stopSeconds: number): SettingsError {
  const stopAlone = settings.stopTimeoutSeconds !== null && stopSeconds > settings.stopGraceSeconds - GRACE_MARGIN_SECONDS;
  const variable = !stopAlone && settings.leaveTimeoutSeconds !== null ? 'NATS_LEAVE_TIMEOUT_SECONDS' : 'NATS_STOP_TIMEOUT_SECONDS';
  return new SettingsError(
    variable,
    `the stop would take up to ${leaveSeconds + stopSeconds} s (${leaveSeconds} s to be spared + ${stopSeconds} s to stop), more than the ` +
      `${settings.stopGraceSeconds} s the platform gives it less ${GRACE_MARGIN_SECONDS} s (NATS_STOP_GRACE_SECONDS); raise NATS_STOP_GRACE_SECONDS ` +
      'with terminationGracePeriodSeconds (docker stop -t), or lower or unset NATS_LEAVE_TIMEOUT_SECONDS and NATS_STOP_TIMEOUT_SECONDS',
  );
}

/** The plan in one line, for the start line and `check`. */
export function describeStopPlan(plan: StopPlan): string {
  const leave = plan.leaveTimeoutSeconds > 0 ? `up to ${plan.leaveTimeoutSeconds} s to be spared, ` : '';
  const signal = plan.shutdown === 'lame-duck' ? 'lame duck' : 'SIGTERM';
  const used = plan.leaveTimeoutSeconds + plan.signalSeconds + plan.finalSeconds;
  return (
    `${plan.shutdown} (${plan.why}) within the ${plan.graceSeconds} s grace (NATS_STOP_GRACE_SECONDS): ${leave}${signal} ${plan.signalSeconds} s, ` +
    `SIGINT, SIGKILL ${plan.finalSeconds} s later; ${plan.graceSeconds - used} s to spare`
  );
}

/**
 * The stop plan, kept in step with the config: an edit of lame_duck_* changes the stop budget it derives. An edit
 * that would make a set budget too short keeps the plan in force and says why; the stop signal stays as started.
 */
export class StopPlanHolder {
  constructor(
    public current: StopPlan,
    private readonly settings: StopSettings,
    private readonly warn: (message: string) => void,
  ) {}

  follow(facts: StopFacts): void {
    if (facts.error) return;
    try {
      const next = stopPlan({ ...this.settings, shutdown: this.current.shutdown }, facts);
      this.current = { ...next, why: this.current.why };
    } catch (err) {
      this.warn(`the stop plan stays as it was: ${String((err as Error).message)}`);
    }
  }
}

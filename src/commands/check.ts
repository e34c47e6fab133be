import { existsSync } from 'node:fs';
import { EXIT } from '../../machines/exit-codes.js';
import { ServerConfig } from '../config/server-config.js';
import { currentPurgePlan } from '../operator/purge-plan.js';
import { SettingsError, type Settings } from '../settings.js';
import { describeStopPlan, stopPlan, type StopPlan } from '../config/stop-plan.js';
import { validateConfig } from '../nats-server/validate.js';
import { serverBinaryVersion } from '../nats-server/binary-version.js';
import { goMemLimitFor } from '../nats-server/memory-limit.js';
import { memoryRoom } from '../nats-server/memory-room.js';
import { knowSecrets, redact } from '../util/redact.js';
import { secretsIn } from '../config/secrets.js';
import { WatchedSource, sourcesFor } from '../watch/sources.js';

/** `iofog-nats check`: what `run` would use, validated, and what a reconcile would purge. Starts nothing. */
export async function check(settings: Settings, print: (line: string) => void): Promise<number> {
  const out = (line: string): void => print(redact(line));
  knowSecrets(secretsIn(settings.clientUrl));
  for (const w of settings.warnings) out(`warning   ${w}`);
  out(`mode      ${settings.mode}`);
  try {
    out(`binary    ${settings.serverBin} (nats-server v${await serverBinaryVersion(settings.serverBin)})`);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    out(`binary    ${err.message}`);
    return EXIT.usage;
  }
  const memory = goMemLimitFor(settings);
  out(`memory    GOMEMLIMIT ${memory.value ?? 'none'}: ${memory.detail}`);
  const room = memoryRoom(memory, settings.goMemLimitPercent);
  if (room.tooSmall) {
    out(`memory    memory limit: ${room.tooSmall}`);
    return EXIT.usage;
  }
  if (room.tight) out(`warning   ${room.tight}`);
  if (!existsSync(settings.confPath)) {
    out(`config    ${settings.confPath}: MISSING (NATS_CONF)`);
    return EXIT.configInvalid;
  }
  const config = new ServerConfig(settings.confPath);
  const validation = await validateConfig(settings, config);
  out(`config    ${settings.confPath}: ${validation.valid ? 'valid' : `INVALID\n          ${validation.message}`}`);
  // The same plan `run` makes at start, with the same verdict on a budget too short for it.
  let stop: StopPlan;
  try {
    stop = stopPlan(settings, await config.facts());
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    out(`stop      ${err.message}`);
    return EXIT.usage;
  }
  out(`stop      ${describeStopPlan(stop)}`);
  if (validation.valid && validation.clustered) out(`restart   ${leasePlan(settings, validation.restartLease === true)}`);
  for (const spec of sourcesFor(settings, config)) {
    const source = new WatchedSource(spec);
    await source.rescan();
    const paths = source.paths().map((r) => `${r}${existsSync(r) ? '' : ' (missing: watched once it appears)'}`);
    if (paths.length > 0) out(`watch     ${spec.cause.padEnd(8)} ${paths.join(', ')}`);
  }
  const plan = await currentPurgePlan(settings, config);
  out(`store     ${plan.jetstreamDir} (from ${plan.storeSource})`);
  out(`system    ${plan.systemAccount ?? 'unknown (no system_account in the config, no running server)'}`);
  out(`resolver  ${settings.jwtDir}: ${plan.resolverSize === null ? 'unreadable' : `${plan.resolverSize} account(s)`}`);
  out(`purge     ${plan.blocked ? `nothing: ${plan.blocked}` : plan.purge.length ? `would purge ${plan.purge.join(', ')}` : 'nothing to purge'}`);
  for (const p of plan.protected.filter((x) => x.reason !== plan.blocked)) out(`          keeps ${p.name}: ${p.reason}`);
  return validation.valid ? EXIT.ok : EXIT.configInvalid;
}

/** The `restart` line: how a cluster member restarts one at a time, or why it cannot (docs/cluster.md). */
function leasePlan(settings: Settings, lease: boolean): string {
  const rolling = settings.rollingRestart ? 'a reload nats-server refuses restarts one member at a time' : 'NATS_ROLLING_RESTART is off';
  if (!lease) return `no restart lease (operator mode without NATS_RESTART_LEASE_CREDS): rolling restarts are off`;
  return `${rolling}; the lease is taken as ${settings.leaseCredsPath ?? 'NATS_CLIENT_URL'}`;
}

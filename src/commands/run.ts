import { toPromise } from 'xstate';
import type { SupervisorEvent } from '../../machines/events.js';
import { startControlSocket } from '../status/control-socket.js';
import { JwtMirror } from '../operator/jwt-mirror.js';
import { Reconciler } from '../operator/reconciler.js';
import { ServerConfig } from '../config/server-config.js';
import { describeStopPlan, stopPlan, StopPlanHolder, type StopPlan } from '../config/stop-plan.js';
import { snapshotDigest } from '../watch/hash.js';
import { serverFacts } from '../nats-server/server-facts.js';
import { feedHealth } from '../status/health-feed.js';
import { goMemLimitFor, type GoMemLimit } from '../nats-server/memory-limit.js';
import { feedLeafRemotes } from '../status/leaf-feed.js';
import { feedCluster } from '../cluster/cluster-feed.js';
import { offerMemberService } from '../fleet/member-service.js';
import { createLogger, type Logger } from '../logger.js';
import { EXIT } from '../../machines/exit-codes.js';
import { listenToSignals } from '../process-signals.js';
import { SettingsError, type Settings } from '../settings.js';
import { memoryRoom } from '../nats-server/memory-room.js';
import { knowSecrets } from '../util/redact.js';
import { secretsIn } from '../config/secrets.js';
import { startStatusHttp, type FleetSource } from '../status/http.js';
import { StatusModel } from '../status/model.js';
import { createSupervisor } from '../supervisor-actor.js';
import { createTransitionLogger } from '../status/transition-log.js';
import { FileWatcher } from '../watch/file-watcher.js';
import { startWatching } from '../watch/watch-start.js';
import { sourcesFor } from '../watch/sources.js';
import { serverBinaryVersion } from '../nats-server/binary-version.js';

function logStart(logger: Logger, settings: Settings, stop: StopPlan, memory: GoMemLimit): void {
  for (const w of settings.warnings) logger.warn(w);
  logger.info(
    {
      mode: settings.mode,
      conf: settings.confPath,
      bin: settings.serverBin,
      monitorPort: settings.monitorPort,
      shutdown: stop.shutdown,
      shutdownFrom: stop.why,
      stop: describeStopPlan(stop),
      goMemLimit: memory.value,
      goMemLimitFrom: memory.detail,
    },
    'iofog-nats starting',
  );
}

type Surface = { close(): Promise<void> };

/** The status HTTP server; a failure to listen is logged, never fatal: it must not keep nats-server down. */
async function startStatusSurface(settings: Settings, status: StatusModel, fleet: FleetSource, logger: Logger): Promise<Surface[]> {
  if (!settings.statusAddr) return [];
  try {
    const server = await startStatusHttp(settings.statusAddr, status, fleet);
    logger.info({ addr: settings.statusAddr }, 'status HTTP server listening');
    return [server];
  } catch (err) {
    logger.error({ addr: settings.statusAddr, err: String(err) }, 'status HTTP server could not start (NATS_STATUS_ADDR); running without it');
    return [];
  }
}

/** `iofog-nats accept-loss`, on the control socket: a held store-fault restart goes ahead; nothing else is asked. */
function acceptLoss(actor: { getSnapshot(): { hasTag(tag: 'restartHeld'): boolean }; send(e: SupervisorEvent): void }) {
  if (!actor.getSnapshot().hasTag('restartHeld')) return { accepted: false, message: 'no restart is waiting for an operator' };
  actor.send({ type: 'LOSS_ACCEPTED' });
  return { accepted: true, message: 'the held store-fault restart goes ahead' };
}

/** `iofog-nats run`: supervise nats-server until it is stopped; resolves with the process exit code. */
export async function run(settings: Settings): Promise<number> {
  // Asked while the rest gets ready; answered before anything starts (a rejection is held, never unhandled).
  const binary = serverBinaryVersion(settings.serverBin).then(
    () => null,
    (err: unknown) => err,
  );
  knowSecrets(secretsIn(settings.clientUrl));
  const logger = createLogger({ format: settings.logFormat, level: settings.logLevel });
  const config = new ServerConfig(settings.confPath);
  // A config not there yet is checked by nats-server -t later; one that is must not be stopped halfway.
  const plan = stopPlan(settings, await config.facts());
  // Decided once at start (docs/contract.md: Memory).
  const memory = goMemLimitFor(settings);
  const room = memoryRoom(memory, settings.goMemLimitPercent);
  if (room.tooSmall) throw new SettingsError('memory limit', room.tooSmall);
  logStart(logger, settings, plan, memory);
  if (room.tight) logger.warn({ goMemLimit: memory.value }, room.tight);
  const stop = new StopPlanHolder(plan, settings, (message) => logger.warn(message));
  config.onParsed((facts) => stop.follow(facts));
  // The watcher's first snapshot is the baseline nats-server starts from; its events reach the actor once it exists.
  let send: (e: SupervisorEvent) => void = () => undefined;
  const watcher = new FileWatcher(sourcesFor(settings, config), (e) => send(e), logger);
  const status = new StatusModel({
    words: { debounceMs: settings.debounceMs },
    drift: () => watcher.drift(),
    goMemLimit: memory,
    configDigest: () => snapshotDigest(watcher.runningSnapshot('config')),
    stopPlan: () => describeStopPlan(stop.current),
  });
  const mirror = new JwtMirror({
    mountDir: settings.jwtMountDir,
    jwtDir: settings.jwtDir,
    systemAccount: async () => (await serverFacts(settings, config)).systemAccount,
  });
  const reconciler = new Reconciler(settings, config, mirror, logger);
  const serverEnv: Record<string, string> = memory.source === 'container' && memory.value ? { GOMEMLIMIT: memory.value } : {};
  const { actor, bus } = createSupervisor({
    settings,
    config,
    logger,
    watcher,
    mirror,
    reconciler,
    stop,
    serverEnv,
    inspect: createTransitionLogger(logger, status),
  });
  const healthFeed = feedHealth(settings, config, status, bus);
  const leafFeed = feedLeafRemotes(settings, status, logger);
  const clusterFeed = feedCluster(settings, status);
  const service = offerMemberService(
    settings,
    () => config.facts(),
    status,
    () => mirror.mountHolds(),
    logger,
  );
  send = (e) => actor.send(e);
  const unlisten = listenToSignals((e) => actor.send(e));
  // A bug must not take nats-server down abruptly: it is stopped gracefully like on SIGTERM.
  const onFatal = (err: unknown): void => {
    logger.fatal({ err }, 'unexpected error in the supervisor; stopping nats-server gracefully');
    actor.send({ type: 'SHUTDOWN', signal: 'internal-error', failure: `internal error: ${String(err)}` });
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  // The control socket comes first: another supervisor answering on it means this one must not start a
  // second nats-server. The status HTTP server starts while the first validation runs.
  const notNatsServer = await binary;
  if (notNatsServer) throw notNatsServer;
  const control = await startControlSocket(settings.controlSocket, status, () => acceptLoss(actor));
  actor.start();
  // The chart's first steps run in the microtasks after start(): by the next turn `nats-server -t` is under
  // way, and taking the baseline overlaps it. The start-up mirror waits for it, so it is complete before
  // nats-server is spawned.
  setImmediate(() => void watcher.snapshot());
  const statusSurface = startStatusSurface(settings, status, () => service.fleet(), logger);
  const subscribed = startWatching(actor, watcher, logger);
  let exitCode: number;
  try {
    exitCode = (await toPromise(actor)).exitCode;
  } catch (err) {
    logger.fatal({ err }, 'the supervisor statechart failed');
    exitCode = EXIT.serverFailed;
  }
  unlisten();
  await subscribed;
  healthFeed.close();
  leafFeed.close();
  clusterFeed.close();
  const surfaces = [control, ...(await statusSurface)];
  await Promise.all([watcher.stop(), reconciler.close(), service.close(), ...surfaces.map((s) => s.close())]);
  const last = actor.getSnapshot().context;
  logger.info({ exitCode, state: status.toJSON().state, error: last.lastError ?? undefined }, 'iofog-nats stopped');
  return exitCode;
}

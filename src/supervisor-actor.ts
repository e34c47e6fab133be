import { existsSync } from 'node:fs';
import { createActor, fromPromise, type InspectionEvent } from 'xstate';
import type { Cause } from '../machines/causes.js';
import { supervisorMachine } from '../machines/supervisor.js';
import type { Logger } from './logger.js';
import { createReconcile, createSyncJwt } from './operator/effects.js';
import type { JwtMirror } from './operator/jwt-mirror.js';
import type { Reconciler } from './operator/reconciler.js';
import { createWaitReady } from './nats-server/readiness.js';
import { createConfirmReload, createReloadBaseline } from './nats-server/reload-confirm.js';
import { ServerLogBus } from './nats-server/log.js';
import { createServerProcess } from './nats-server/process.js';
import type { ServerConfig } from './config/server-config.js';
import type { Settings } from './settings.js';
import { createCatchUpCheck } from './cluster/catch-up-check.js';
import { createStoreCheck } from './nats-server/store-check.js';
import { createSpareCheck } from './cluster/spare-check.js';
import { createMakeLeaseBucket } from './cluster/lease-bucket.js';
import { createRestartLease } from './cluster/restart-lease-actor.js';
import type { StopPlanHolder } from './config/stop-plan.js';
import { validateConfig } from './nats-server/validate.js';
import type { Validation } from '../machines/outputs.js';
import type { FileWatcher } from './watch/file-watcher.js';

/** The one place the chart meets the real world: every effect and delay, provided from settings. */
export interface SupervisorParts {
  settings: Settings;
  /** NATS_CONF as parsed once per change: what the validation looks at before asking nats-server. */
  config: ServerConfig;
  logger: Logger;
  watcher: FileWatcher;
  mirror: JwtMirror;
  reconciler: Reconciler;
  /** The signal (decided at start), the stop budget and the leave timeout, following the config. */
  stop: StopPlanHolder;
  inspect?: (event: InspectionEvent) => void;
  /** What nats-server gets beyond the supervisor's own environment: GOMEMLIMIT (src/nats-server/memory-limit.ts). */
  serverEnv?: Record<string, string>;
}

export function provideSupervisor({ settings, config, logger, watcher, mirror, reconciler, stop, serverEnv = {} }: SupervisorParts, bus: ServerLogBus) {
  const unadvertisedPeers = async (): Promise<string[]> => (await config.facts()).unadvertisedPeers;
  return supervisorMachine.provide({
    actors: {
      configExists: fromPromise(async () => existsSync(settings.confPath)),
      checkChanges: fromPromise<Cause[], { causes: Cause[] }>(({ input }) => watcher.changedSinceApplied(input.causes)),
      syncJwt: createSyncJwt({
        mirror,
        log: logger,
        mountHashes: () => watcher.appliedSnapshot('jwt'),
        onWritten: (account, sha, jwt) => reconciler.pushAsWritten(account, sha, jwt),
        onStartupRead: (hashes) => watcher.adoptBaseline('jwt', hashes, mirror.misread()),
        startupAfter: () => watcher.snapshot(),
      }),
      validateConfig: fromPromise<Validation>(({ signal }) => validateConfig(settings, config, signal)),
      serverProcess: createServerProcess({ settings, logger, bus, env: serverEnv }),
      waitReady: createWaitReady(settings, bus),
      reloadBaseline: createReloadBaseline({ settings, bus, config }),
      confirmReload: createConfirmReload({ settings, bus, config }),
      reconcile: createReconcile(reconciler),
      catchUpCheck: createCatchUpCheck(settings, logger),
      storeCheck: createStoreCheck(settings, config, logger),
      spareCheck: createSpareCheck(settings, logger),
      restartLease: createRestartLease(settings, unadvertisedPeers, logger),
      makeLeaseBucket: createMakeLeaseBucket(settings, unadvertisedPeers, logger),
    },
    actions: {
      noteSpawn: () => watcher.noteSpawn(),
      noteNoLease: () =>
        settings.rollingRestart
          ? logger.warn('NATS_ROLLING_RESTART=on, but in operator mode the restart lease needs NATS_RESTART_LEASE_CREDS: rolling restarts are off')
          : logger.info('no restart lease (operator mode without NATS_RESTART_LEASE_CREDS): a restart for the store waits only to be spared'),
      // The misread JWTs are listed only when JWTs are marked: a config reload does not walk thousands of verdicts.
      noteRunning: (_, params) =>
        watcher.markRunning(params.from, params.causes, params.causes.includes('jwt') ? { cause: 'jwt', paths: mirror.misread() } : undefined),
    },
    delays: {
      configWait: settings.configWaitSeconds * 1000,
      debounce: settings.debounceMs,
      stopTimeout: () => stop.current.restartStopSeconds * 1000,
      signalTimeout: () => stop.current.signalSeconds * 1000,
      finalTimeout: () => stop.current.finalSeconds * 1000,
      leaveTimeout: () => stop.current.leaveTimeoutSeconds * 1000,
    },
  });
}

export function createSupervisor(opts: SupervisorParts) {
  const bus = new ServerLogBus();
  const machine = provideSupervisor(opts, bus);
  const actor = createActor(machine, {
    input: { mode: opts.settings.mode, shutdown: opts.stop.current.shutdown, rollingRestart: opts.settings.rollingRestart },
    ...(opts.inspect ? { inspect: opts.inspect } : {}),
  });
  return { actor, bus };
}

export type Supervisor = ReturnType<typeof createSupervisor>;
export type SupervisorActor = Supervisor['actor'];

import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';
import { fromCallback } from 'xstate';
import type { ServerCommand, SupervisorEvent } from '../../machines/events.js';
import type { Logger } from '../logger.js';
import { isDataAtRiskLine, isStoreFailureLine, type ServerLogBus } from './log.js';
import { LineSplitter } from './line-splitter.js';
import { redact } from '../util/redact.js';
import type { Settings } from '../settings.js';
import { groupMembers, signalGroup } from './process-group.js';
import { describeSpawnFailure, spawnBlocker } from '../util/spawn-failure.js';

/** How often a group that outlived its leader (a wrapper's nats-server) is looked at until it is gone. */
const GROUP_POLL_MS = 100;

export function serverArgs(settings: Pick<Settings, 'confPath' | 'monitorPort'>): string[] {
  const args = ['-c', settings.confPath];
  if (settings.monitorPort > 0) args.push('-m', String(settings.monitorPort));
  return args;
}

/** Forwards each line (cut at MAX_LINE_BYTES); resolves once the stream has ended (every line read). */
function forwardLines(stream: Readable | null, bus: ServerLogBus, log: Logger, sendBack: (event: SupervisorEvent) => void, startedAt: number): Promise<void> {
  if (!stream) return Promise.resolve();
  const lines = new LineSplitter((raw) => {
    // Before anything reads or logs it: nats-server may quote a URL with its password (docs/contract.md: Logs).
    const line = bus.push(redact(raw));
    log[line.level]({ server: true }, line.message);
    if (isStoreFailureLine(line)) sendBack({ type: 'STORE_FAILED', message: line.message, uptimeMs: Date.now() - startedAt });
    else if (isDataAtRiskLine(line)) sendBack({ type: 'DATA_AT_RISK', message: line.message });
  });
  stream.on('data', (chunk: Buffer) => lines.push(chunk));
  return new Promise((resolve) => {
    stream.once('close', () => {
      lines.end();
      resolve();
    });
  });
}

/** How long an exit waits for the last lines still in the pipes: a process outside the group may hold them open. */
const LAST_LINES_MS = 500;

/** env: what nats-server gets beyond the supervisor's own environment (GOMEMLIMIT). */
type Deps = { settings: Settings; logger: Logger; bus: ServerLogBus; env: Record<string, string> };

/**
 * nats-server as a long-lived actor: spawns it, forwards its log lines, sends SERVER_SPAWNED and
 * SERVER_EXITED, and delivers the chart's signals. Stopping the actor while the process still runs
 * terminates it gracefully, so a stopped actor never leaves a nats-server behind.
 */
export function createServerProcess({ settings, logger, bus, env }: Deps) {
  return fromCallback<ServerCommand>(({ sendBack: sendBackLoose, receive }) => {
    const sendBack = sendBackLoose as (event: SupervisorEvent) => void;
    const startedAt = Date.now();
    let exited = false;
    let leaderExited = false;
    const blocked = spawnBlocker();
    if (blocked) {
      // Like an exit at once: the chart backs off and tries again.
      sendBack({ type: 'SERVER_EXITED', code: null, signal: null, uptimeMs: 0, error: `nats-server could not be started: ${blocked}` });
      return () => undefined;
    }
    let child: ResultPromise;
    try {
      child = execa(settings.serverBin, serverArgs(settings), {
        cwd: settings.confDir,
        env,
        stdin: 'ignore',
        buffer: false,
        reject: false,
        // The chart owns the stop timeout (stopping → killing); execa's own escalation stays off.
        forceKillAfterDelay: false,
        // Its own process group: a Ctrl-C on a terminal reaches only the supervisor, which then stops it gracefully.
        detached: true,
      });
    } catch (err) {
      // Out of file descriptors, say: like an exit at once, so the chart backs off and tries again.
      sendBack({ type: 'SERVER_EXITED', code: null, signal: null, uptimeMs: 0, error: `nats-server could not be started: ${describeSpawnFailure(err)}` });
      return () => undefined;
    }
    const log = logger.child({ pid: child.pid });
    if (child.pid !== undefined) sendBack({ type: 'SERVER_SPAWNED', pid: child.pid, at: new Date(startedAt).toISOString() });
    const drained = Promise.all([forwardLines(child.stdout, bus, log, sendBack, startedAt), forwardLines(child.stderr, bus, log, sendBack, startedAt)]);
    // 'exit', not execa's promise: a grandchild holding the pipes open must not hide the exit. A wrapper that
    // did not exec nats-server may exit first: nats-server has not exited until its whole group has.
    child.once('exit', (code, signal) => {
      leaderExited = true;
      const report = (): void => {
        if (child.pid !== undefined && groupMembers(child.pid).length > 0) return void setTimeout(report, GROUP_POLL_MS);
        // Its last lines ("Server Exiting..") are logged before the exit is: the supervisor may exit right after.
        void Promise.race([drained, sleep(LAST_LINES_MS, undefined, { ref: false })]).then(() => {
          exited = true;
          sendBack({ type: 'SERVER_EXITED', code, signal, uptimeMs: Date.now() - startedAt });
        });
      };
      report();
    });
    // A spawn that failed outright (no binary) sends no 'exit'.
    void child.then((result) => {
      if (exited || leaderExited || !result.failed) return;
      exited = true;
      sendBack({ type: 'SERVER_EXITED', code: null, signal: null, uptimeMs: Date.now() - startedAt, error: result.shortMessage });
    });
    receive((command) => {
      if (exited || child.pid === undefined) return;
      log.debug({ signal: command.signal }, 'signalling nats-server');
      signalGroup(child.pid, command.signal);
    });
    return () => {
      if (!exited && child.pid !== undefined) signalGroup(child.pid, 'SIGTERM');
    };
  });
}

import path from 'node:path';
import type { AnyEventObject } from 'xstate';
import { parseXstateEvent } from '../util/xstate-event.js';

/** The quiet period as configured: "quiet for 100 ms" says more than the delay's name. */
export interface EventWordsOptions {
  debounceMs: number;
}

type Output = Record<string, unknown> | unknown[] | boolean | null | undefined;

function files(paths: unknown): string {
  const names = Array.isArray(paths) ? paths.map((p) => path.basename(String(p))) : [];
  if (names.length === 0) return '';
  return `: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`;
}

function count(o: Output, key: string): number {
  const v = o && !Array.isArray(o) && typeof o === 'object' ? o[key] : undefined;
  return Array.isArray(v) ? v.length : typeof v === 'number' ? v : 0;
}

/** What an invoked effect's result means, by the id the chart gives it. */
function doneWords(id: string, output: Output): string {
  const o = output && typeof output === 'object' && !Array.isArray(output) ? output : {};
  switch (id) {
    case 'configExists':
      return output === true ? 'config found' : 'config not there yet';
    case 'validateConfig':
      return o.valid === true
        ? 'config valid (nats-server -t)'
        : o.deferred === true
          ? `nats-server -t could not run: ${String(o.message)}`
          : 'config rejected by nats-server -t';
    case 'syncJwt':
      return `JWTs mirrored (${count(output, 'copied')} copied, ${count(output, 'removed')} removed)`;
    case 'waitReady':
      return 'nats-server ready (safe to signal)';
    case 'checkChanges':
      return Array.isArray(output) && output.length > 0 ? `contents changed: ${output.join(', ')}` : 'contents as running: nothing to apply';
    case 'reloadBaseline':
      return 'reload markers read; sending SIGHUP';
    case 'confirmReload':
      return o.outcome === 'applied' ? 'reload confirmed by nats-server' : `reload refused by nats-server: ${String(o.error ?? '')}`;
    case 'reconcile':
      return `reconcile done (purged ${count(output, 'purged')}, pushed ${count(output, 'pushed')})`;
    default:
      return `${id} done`;
  }
}

function afterWords(delay: string, opts: EventWordsOptions): string {
  switch (delay) {
    case 'debounce':
      return `quiet for ${opts.debounceMs} ms`;
    case 'confirmTimeout':
      return 'no reload confirmation in time';
    case 'stopTimeout':
      return 'nats-server did not stop in time';
    case 'backoff':
      return 'backoff over';
    case 'configPoll':
      return 'looking for the config again';
    case 'configWait':
      return 'gave up waiting for the config';
    case 'readyTimeout':
      return 'still not ready';
    case 'leaveTimeout':
      return 'not spared in time: leaving all the same';
    default:
      return `${delay} elapsed`;
  }
}

/** What happened, in the operator's words; the raw event name stays beside it (tooltip, --json). */
export function eventWords(event: AnyEventObject, opts: EventWordsOptions): string {
  const e = event as AnyEventObject & Record<string, unknown>;
  const x = parseXstateEvent(e.type);
  if (x?.kind === 'after') return afterWords(x.delay, opts);
  if (x?.kind === 'done') return doneWords(x.actor, e.output as Output);
  if (x?.kind === 'error') return `${x.actor} failed: ${String(e.error)}`;
  if (x?.kind === 'ended') return `${x.state} ended (${String(e.output)})`;
  switch (e.type) {
    case 'xstate.init':
      return 'supervisor started';
    case 'FS_CHANGED':
      return `${String(e.cause)} changed${files(e.paths)}`;
    case 'RELOAD_REQUESTED':
      return 'SIGHUP to the supervisor: reload asked for';
    case 'RETRY_APPLY':
      return `trying again: ${Array.isArray(e.causes) ? e.causes.join(', ') : ''}`;
    case 'RETRY_MIRROR':
      return 'trying the JWT mirror again';
    case 'RETRY_RECONCILE':
      return 'trying the purge and claims push again';
    case 'FORWARD_SIGNAL':
      return `${String(e.signal)} forwarded to nats-server`;
    case 'SHUTDOWN':
      return e.failure ? `stopping: ${String(e.failure)}` : `stop asked for (${String(e.signal)})`;
    case 'SERVER_SPAWNED':
      return `nats-server started (pid ${String(e.pid)})`;
    case 'SPARED':
      return 'the cluster can spare this member';
    case 'LEAVE_BLOCKED':
      return `waiting to be spared: ${String(e.reason)}`;
    case 'SERVER_CAUGHT_UP':
      return "caught up: nats-server's full /healthz passed";
    case 'CATCHING_UP':
      return `catching up: ${String(e.reason)}`;
    case 'DATA_AT_RISK':
      return `data at risk: ${String(e.message)}`;
    case 'STORE_FAILED':
      return `the JetStream store failed: ${String(e.message)}`;
    case 'STORE_HAS_ROOM':
      return 'the JetStream store has room again';
    case 'SERVER_EXITED':
      return `nats-server exited (${e.signal ? `signal ${String(e.signal)}` : `code ${String(e.code)}`})`;
    default:
      return e.type;
  }
}

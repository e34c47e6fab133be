import { EXIT } from '../../machines/exit-codes.js';
import { ask, NoSupervisorError } from '../status/control-socket.js';
import { ENV_DEFAULTS } from '../defaults.js';
import type { StatusDocument, Transition } from '../status/model.js';

/** `iofog-nats inspect`: the running supervisor's state, or each transition with --follow. */
export async function inspectCommand(opts: { json?: boolean; follow?: boolean }): Promise<void> {
  const socket = process.env.NATS_CONTROL_SOCKET || ENV_DEFAULTS.NATS_CONTROL_SOCKET;
  try {
    for await (const message of ask(socket, opts.follow ? 'follow' : 'state')) {
      const m = message as { state?: StatusDocument; transition?: Transition } & StatusDocument;
      if (opts.json) process.stdout.write(JSON.stringify(message) + '\n');
      else if (m.transition) process.stdout.write(formatTransition(m.transition) + '\n');
      else process.stdout.write(formatStatus(opts.follow ? m.state! : m));
    }
  } catch (err) {
    if (!(err instanceof NoSupervisorError)) throw err;
    process.stderr.write(`iofog-nats inspect: ${err.message}\n`);
    process.exit(EXIT.serverFailed);
  }
}

function age(iso: string | null, now: Date): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

function storeOutlook(doc: StatusDocument): string {
  if (doc.member?.store === 'faulted.awaitingOperator')
    return 'a restart would lose acked data, see the last error; iofog-nats accept-loss restarts all the same';
  return 'restarts once the store has room';
}

const RESTART_STEP: Record<string, string> = {
  'wanted.awaitingLease': 'waiting for the restart lease; nats-server serves meanwhile',
  'wanted.waitingToLeave': 'waiting to be spared; nats-server serves meanwhile',
  'wanted.due': 'once the action in progress ends',
  'wanted.choosing': 'deciding',
};

function healthWord(healthy: boolean | null): string {
  return healthy === null ? '-' : healthy ? 'yes' : 'NO';
}

function driftLines(doc: StatusDocument, now: Date): string[] {
  const behind = doc.drift.causes.filter((c) => !c.inStep);
  if (behind.length === 0) return ['drift     in step (nats-server runs what is mounted)'];
  const lastError = doc.reloads.last?.error;
  // The reload's error is printed just above: named, not repeated.
  const reason = (r: string | null): string => (lastError && r === `rejected: ${lastError}` ? 'rejected (the error above)' : (r ?? '-'));
  return behind.flatMap((c, i) => [
    `${i === 0 ? 'drift' : ''}`.padEnd(10) + `${c.cause} behind for ${age(c.since, now)}: ${reason(c.reason)}`,
    ...c.paths.map((p) => `            ${p}`),
    ...(c.changed > c.paths.length ? [`            … and ${c.changed - c.paths.length} more`] : []),
  ]);
}

function leafLines(doc: StatusDocument, now: Date): string[] {
  if (!doc.leaf) return [];
  const up = doc.leaf.remotes.filter((r) => r.connected).length;
  const down = doc.leaf.remotes.filter((r) => !r.connected).map((r) => `          down: ${r.name} for ${age(r.since, now)}`);
  return [`leaf      ${up}/${doc.leaf.remotes.length} remotes connected${doc.leaf.converged ? '' : ' (converging)'}`, ...down];
}

function clusterLines(doc: StatusDocument): string[] {
  const c = doc.cluster;
  if (!c) return [];
  const peers = c.peers.map((p) => `${p.name} ${p.offline ? 'offline' : p.current ? 'current' : `behind${p.lag ? ` (lag ${p.lag})` : ''}`}`).join(', ');
  return [`cluster   ${c.name ?? '-'}  meta leader ${c.metaLeader ?? 'NONE'}${peers ? `  peers: ${peers}` : ''}`];
}

/** The `server` line of `inspect`: the process, its readiness and its restarts. */
function serverLine(doc: StatusDocument, now: Date): string {
  const s = doc.server;
  const yesNo = (b: boolean | undefined): string => (b ? 'yes' : 'no');
  const version = s.version ? `v${s.version}  ` : '';
  const facts = [
    `ready ${yesNo(s.ready)}`,
    `caught up ${yesNo(s.caughtUp)}`,
    `healthy ${healthWord(s.healthy)}`,
    `restarts ${s.restarts}`,
    `crashes ${s.crashes}`,
  ];
  return `server    pid ${s.pid ?? '-'}  ${version}up ${age(s.startedAt, now)}  ${facts.join('  ')}`;
}

/** The `member` line: a word per region of the chart (docs/statechart.md). */
function memberLine(m: NonNullable<StatusDocument['member']>): string {
  const up = m.server === 'up' ? `server up  catch-up ${m.catchUp}  store ${m.store}` : 'server down';
  return `member    ${up}  restart ${m.restart}  purge ${m.purge}  lease ${m.lease}  readiness ${m.readiness}`;
}

/** The compact human view of `inspect`. */
export function formatStatus(doc: StatusDocument, now = new Date()): string {
  const r = doc.reloads.last;
  const rc = doc.reconcile.last;
  const lines = [
    `state     ${doc.state}   (mode ${doc.mode ?? '-'})`,
    serverLine(doc, now),
    ...(doc.server.health ? [`          health: ${doc.server.health}`] : []),
    ...(doc.server.slow ? [`          ${doc.server.slow}`] : []),
    ...(doc.server.catchingUp ? [`          catching up: ${doc.server.catchingUp}`] : []),
    ...(doc.member ? [memberLine(doc.member)] : []),
    ...(doc.server.goMemLimit ? [`memory    GOMEMLIMIT ${doc.server.goMemLimit.value ?? 'none'}: ${doc.server.goMemLimit.detail}`] : []),
    ...(doc.server.leaveBlocked ? [`leaving   waiting to be spared: ${doc.server.leaveBlocked}`] : []),
    ...(doc.server.storeFault ? [`store     write error: ${doc.server.storeFault} (${storeOutlook(doc)})`] : []),
    ...(doc.restart ? [`restart   wanted for ${doc.restart.causes.join(', ') || '-'}: ${RESTART_STEP[doc.restart.step]}`] : []),
    ...(doc.restartLease.waitingFor ? [`restart   waiting for the restart lease, held by ${doc.restartLease.waitingFor}`] : []),
    ...(doc.restartLease.held ? ['restart   holds the restart lease until nats-server has caught up'] : []),
    `reloads   ${doc.reloads.count}` +
      (r ? `  last: ${r.outcome} (${r.causes.join(', ') || '-'}) ${age(r.at, now)} ago${r.error ? `\n          error: ${r.error}` : ''}` : ''),
    ...(rc?.purgeWaiting ?? []).map((w) => `purge     ${w.account} waits: ${w.reasons.join('; ')}`),
    `reconcile ` +
      (rc
        ? `purged ${rc.purged.length ? rc.purged.join(', ') : 'none'}  pushed ${rc.pushed}  failed ${rc.failed}${rc.skipped ? `  skipped: ${rc.skipped}` : ''}`
        : '-'),
    ...driftLines(doc, now),
    ...leafLines(doc, now),
    ...clusterLines(doc),
    `pending   ${doc.pending.length ? doc.pending.join(', ') : 'none'}`,
  ];
  if (doc.lastError && doc.lastError !== r?.error) lines.push(`error     ${doc.lastError}`);
  lines.push('recent transitions:');
  for (const t of doc.history.slice(-10)) lines.push(`  ${formatTransition(t)}`);
  return lines.join('\n') + '\n';
}

export function formatTransition(t: Transition): string {
  return `${t.at}  ${t.state.padEnd(28)} ← ${t.what ?? t.event}`;
}

import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import type { StatusDocument, Transition } from './status-model.js';

/** No supervisor answers on the socket: `inspect` says so and exits 1. */
export class NoSupervisorError extends Error {
  override readonly name = 'NoSupervisorError';
  readonly code = 'E_NO_SUPERVISOR';
}

/** Sends one command to the control socket and yields each JSON line of the answer. */
export async function* ask(path: string, cmd: 'state' | 'follow'): AsyncGenerator<unknown> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (err: NodeJS.ErrnoException) => reject(new NoSupervisorError(
      `no iofog-nats supervisor answers on ${path} (${err.code ?? err.message}); is it running? ` +
      'Set NATS_CONTROL_SOCKET to the path the supervisor uses.')));
  });
  socket.write(JSON.stringify({ cmd }) + '\n');
  try {
    for await (const line of createInterface({ input: socket })) yield JSON.parse(line);
  } finally {
    socket.destroy();
  }
}

function age(iso: string | null, now: Date): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** The compact human view of `inspect`. */
export function formatStatus(doc: StatusDocument, now = new Date()): string {
  const r = doc.reloads.last;
  const rc = doc.reconcile.last;
  const lines = [
    `state     ${doc.state}   (mode ${doc.mode ?? '-'})`,
    `server    pid ${doc.server.pid ?? '-'}  up ${age(doc.server.startedAt, now)}  ready ${doc.server.ready ? 'yes' : 'no'}  restarts ${doc.server.restarts}  crashes ${doc.server.crashes}`,
    `reloads   ${doc.reloads.count}` + (r ? `  last: ${r.outcome} (${r.causes.join(', ') || '-'}) ${age(r.at, now)} ago${r.error ? `\n          error: ${r.error}` : ''}` : ''),
    `reconcile ` + (rc ? `purged ${rc.purged.length ? rc.purged.join(', ') : 'none'}  pushed ${rc.pushed}  failed ${rc.failed}${rc.skipped ? `  skipped: ${rc.skipped}` : ''}` : '-'),
    `pending   ${doc.pending.length ? doc.pending.join(', ') : 'none'}`,
  ];
  if (doc.lastError) lines.push(`error     ${doc.lastError}`);
  lines.push('recent transitions:');
  for (const t of doc.history.slice(-10)) lines.push(`  ${formatTransition(t)}`);
  return lines.join('\n') + '\n';
}

export function formatTransition(t: Transition): string {
  return `${t.at}  ${t.state.padEnd(28)} ← ${t.event}`;
}

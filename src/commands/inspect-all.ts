import path from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { ENV_DEFAULTS } from '../defaults.js';
import { surveyFleet, type FleetRow, type FleetSurvey } from '../fleet/fleet-survey.js';
import { SUBJECT_PREFIX } from '../fleet/service-subjects.js';
import type { StatusDocument, Transition } from '../status/model.js';
import { formatTransition } from './inspect.js';
import { requireLazily } from '../util/lazy-require.js';
import { natsAuth } from '../util/nats-auth.js';

export interface InspectAllOptions {
  json?: boolean;
  follow?: boolean;
  server?: string;
  creds?: string;
}

/** GOMEMLIMIT against the container's limit, e.g. `800MiB of 1024MiB`. */
function memoryWord(m: StatusDocument['server']['goMemLimit']): string {
  if (!m || (m.value === null && m.containerBytes === null)) return '-';
  if (m.containerBytes === null) return m.value ?? '-';
  return `${m.value ?? 'none'} of ${Math.round(m.containerBytes / 1024 ** 2)}MiB`;
}

const yesNo = (v: boolean | null | undefined): string => (v === null || v === undefined ? '-' : v ? 'yes' : 'NO');

function driftWord(row: FleetRow): string {
  const off = (row.status?.drift.causes ?? []).filter((c) => !c.inStep).map((c) => c.cause);
  return off.length ? off.join(',') : 'in step';
}

function spareWord(row: FleetRow): string {
  if (!row.spare) return '?';
  return row.spare.mayLeave ? 'yes' : `NO: ${row.spare.reasons[0] ?? '?'}${row.spare.reasons.length > 1 ? ` (+${row.spare.reasons.length - 1})` : ''}`;
}

function reloadWord(row: FleetRow): string {
  const last = row.status?.reloads.last;
  return last ? `${last.outcome}${last.at ? ` ${last.at.slice(11, 19)}` : ''}` : '-';
}

/** One line per member, in columns; a member that answered without its status says why. */
function memberLine(row: FleetRow): string[] {
  const s = row.status;
  if (!s) return [row.name, row.metadata.mode ?? '-', `no status: ${row.error ?? '?'}`];
  const restart = s.restart ? ` restart ${s.restart.step.replace('wanted.', '')}` : '';
  const leaving = s.server.leaveBlocked ? ` leaving: ${s.server.leaveBlocked}` : '';
  return [
    row.name,
    s.mode ?? '-',
    `${s.state}${restart}`,
    yesNo(s.server.ready),
    yesNo(s.server.caughtUp),
    driftWord(row),
    reloadWord(row),
    `${s.server.restarts}/${s.server.crashes}`,
    memoryWord(s.server.goMemLimit),
    s.leaf ? `${s.leaf.remotes.filter((r) => r.connected).length}/${s.leaf.remotes.length}` : '-',
    `${spareWord(row)}${leaving}`,
  ];
}

const HEADER = ['member', 'mode', 'state', 'ready', 'caught up', 'drift', 'last reload', 'restarts/crashes', 'GOMEMLIMIT', 'leaf remotes', 'may leave'];

function columns(lines: string[][]): string {
  const widths = HEADER.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines.map((l) => l.map((cell, i) => (i === l.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

type Fact = [string, (r: FleetRow) => string];

/** Versions are compared across every row; a config and its stop plan only across cluster members (leaves run their own). */
const EVERY_ROW: Fact[] = [
  ['nats-server', (r) => r.metadata.nats_server_version ?? '?'],
  ['supervisor', (r) => r.metadata.supervisor_version ?? '?'],
];
const MEMBERS_ONLY: Fact[] = [
  ['config digest', (r) => r.status?.server.configDigest ?? '?'],
  ['config', (r) => (r.status?.drift.inStep === false ? 'drifted' : 'in step')],
  ['stop plan', (r) => r.status?.server.stopPlan ?? '?'],
];

const isMember = (r: FleetRow): boolean => (r.metadata.mode ?? 'server') === 'server';

/** What differs: each fact with more than one value among the rows it compares, and who has which. */
function differences(rows: FleetRow[]): string[] {
  const compared: [Fact, FleetRow[]][] = [
    ...EVERY_ROW.map((f): [Fact, FleetRow[]] => [f, rows]),
    ...MEMBERS_ONLY.map((f): [Fact, FleetRow[]] => [f, rows.filter(isMember)]),
  ];
  return compared.flatMap(([[what, of], among]) => {
    const by = new Map<string, string[]>();
    for (const r of among) by.set(of(r), [...(by.get(of(r)) ?? []), r.name]);
    if (by.size < 2) return [];
    return [`differs: ${what}: ${[...by].map(([value, names]) => `${value} (${names.join(', ')})`).join('; ')}`];
  });
}

/** The compact human view of `inspect --all`. */
export function formatFleet(survey: FleetSurvey): string {
  const lines = [HEADER, ...survey.rows.map(memberLine), ...survey.missing.map((name) => [name, '-', 'MISSING: named by the meta layer, did not answer'])];
  const footer = differences(survey.rows);
  const first = survey.rows[0];
  const digest = survey.rows.find(isMember)?.status?.server.configDigest ?? '?';
  const same =
    first && footer.length === 0
      ? [`every member runs nats-server ${first.metadata.nats_server_version ?? '?'}, supervisor ${first.metadata.supervisor_version ?? '?'}, config ${digest}`]
      : [];
  return [columns(lines), ...footer, ...same].join('\n') + '\n';
}

/** Inside a member: its NATS_CLIENT_URL and system user creds (NATS_SYS_USER_CRED_PATH, under NATS_CREDS_DIR). */
async function connectAsMember(opts: InspectAllOptions): Promise<NatsConnection> {
  const { connect } = requireLazily('@nats-io/transport-node') as typeof import('@nats-io/transport-node');
  const url = new URL(opts.server ?? process.env.NATS_CLIENT_URL ?? ENV_DEFAULTS.NATS_CLIENT_URL);
  const sysCreds = process.env.NATS_SYS_USER_CRED_PATH;
  const credsDir = process.env.NATS_CREDS_DIR ?? ENV_DEFAULTS.NATS_CREDS_DIR;
  const auth = natsAuth(url.toString(), opts.creds ?? (sysCreds ? path.resolve(credsDir, sysCreds) : null));
  url.username = '';
  url.password = '';
  return connect({ servers: url.toString(), ...auth, name: 'iofog-nats inspect --all', reconnect: false });
}

/** Every member's transitions as they happen, each line prefixed by its member, until interrupted. */
async function followFleet(nc: NatsConnection, json: boolean): Promise<void> {
  for await (const m of nc.subscribe(`${SUBJECT_PREFIX}.*.transitions`)) {
    const member = m.subject.split('.')[1] ?? '?';
    const t = m.json<Transition>();
    process.stdout.write(json ? JSON.stringify({ member, transition: t }) + '\n' : `${member.padEnd(12)} ${formatTransition(t)}\n`);
  }
}

/** `iofog-nats inspect --all`: every member and leaf that answers as the NATS service, within a second. */
export async function inspectAll(opts: InspectAllOptions): Promise<void> {
  const nc = await connectAsMember(opts);
  try {
    if (opts.follow) return await followFleet(nc, opts.json === true);
    const survey = await surveyFleet(nc);
    process.stdout.write(opts.json ? JSON.stringify(survey) + '\n' : formatFleet(survey));
  } finally {
    await nc.close();
  }
}

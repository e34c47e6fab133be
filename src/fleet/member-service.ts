import type { NatsConnection } from '@nats-io/transport-node';
import type { Service, ServiceMsg } from '@nats-io/services';
import { leaseServers } from '../cluster/lease-connection.js';
import type { ConfigFacts } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import { fetchVarz, type Varz } from '../nats-server/monitor.js';
import { ASK_TIMEOUT_MS, MonitorPoll } from '../nats-server/monitor-poll.js';
import { askLeaveBlockers } from '../cluster/spare-check.js';
import type { Settings } from '../settings.js';
import type { StatusModel, Transition } from '../status/model.js';
import { requireLazily } from '../util/lazy-require.js';
import { natsAuth } from '../util/nats-auth.js';
import { SUPERVISOR_VERSION } from '../version.js';
import { memberSubject, SERVICE_NAME } from './service-subjects.js';
import type { MountHolds } from '../operator/jwt-mirror.js';
import { heldOf, type HoldsAnswer } from '../cluster/purge-agreement.js';
import { surveyFleet, type FleetSurvey } from './fleet-survey.js';

const VARZ_EVERY_MS = 2000;
/** The page's fleet panel asks at most this often, however many pages are open: each survey asks every member. */
const SURVEY_EVERY_MS = 5000;

/** What the page's fleet panel shows: every instance, or why this supervisor cannot ask. */
export type FleetAnswer = { survey: FleetSurvey } | { off: string };

/** The offered service: closed at exit; it surveys the fleet for the page. */
export interface MemberService {
  close(): Promise<void>;
  fleet(): Promise<FleetAnswer>;
}

type ServiceSettings = Pick<Settings, 'service' | 'monitorPort' | 'clientUrl' | 'sysUserCredPath' | 'mode'>;

/** What `nats micro info` shows of this instance (the Services API's metadata: strings only). */
function metadataOf(varz: Varz, mode: string): Record<string, string> {
  return {
    server_name: varz.server_name ?? '',
    cluster: varz.cluster?.name ?? '',
    mode,
    nats_server_version: varz.version ?? '',
    supervisor_version: SUPERVISOR_VERSION,
  };
}

/**
 * The system user where one is configured (only system users see the service), else NATS_CLIENT_URL's user. The
 * creds are read again at every reconnect, so renewed ones are used. The client fails over to the other members
 * (those the config's routes name when it advertises none) while this member's nats-server restarts.
 */
async function connectForService(settings: ServiceSettings, peers: string[]): Promise<NatsConnection> {
  const { connect } = requireLazily('@nats-io/transport-node') as typeof import('@nats-io/transport-node');
  const auth = natsAuth(settings.clientUrl, settings.sysUserCredPath);
  const servers = leaseServers(settings.clientUrl, peers);
  return connect({ servers, ...auth, name: 'iofog-nats service', maxReconnectAttempts: -1, reconnectTimeWait: 1000, waitOnFirstConnect: true });
}

/**
 * Whether the cluster could spare this member now, asked of its nats-server once (the spare rule, /jsz with every
 * group: asked only when someone asks this endpoint).
 */
async function spareNow(monitorPort: number, clustered: boolean): Promise<{ mayLeave: boolean; reasons: string[] }> {
  if (!clustered) return { mayLeave: true, reasons: [] };
  const blockers = await askLeaveBlockers(monitorPort, AbortSignal.timeout(ASK_TIMEOUT_MS));
  return { mayLeave: blockers.length === 0, reasons: blockers.map((b) => b.reason) };
}

/**
 * One answer per `ms` at most, shared by every request in that time: a client that floods a question whose cost
 * grows with the streams (spare, a survey of every member's spare) costs no more than one asker does.
 */
function atMostEvery<T>(ms: number, ask: () => Promise<T>): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | null = null;
  return () => {
    if (!last || Date.now() - last.at >= ms) last = { at: Date.now(), answer: ask() };
    return last.answer;
  };
}

/** Read-only endpoints: each answers what the status surfaces show, redacted; nothing changes anything. */
async function addService(nc: NatsConnection, varz: Varz, settings: ServiceSettings, status: StatusModel, mount: () => MountHolds): Promise<Service> {
  const { Svcm } = requireLazily('@nats-io/services') as typeof import('@nats-io/services');
  const service = await new Svcm(nc).add({
    name: SERVICE_NAME,
    version: SUPERVISOR_VERSION,
    description: 'The iofog-nats supervisor of one NATS server: what it does, and what it sees of its cluster',
    metadata: metadataOf(varz, settings.mode),
  });
  const group = service.addGroup(memberSubject(varz.server_name ?? ''));
  const answer = (what: (msg: ServiceMsg) => unknown) => (err: Error | null, msg: ServiceMsg) => {
    if (err) return;
    void Promise.resolve(msg)
      .then(what)
      .then(
        (value) => msg.respond(JSON.stringify(value)),
        (e: unknown) => msg.respondError(500, String(e)),
      );
  };
  const endpoints: Record<string, (msg: ServiceMsg) => unknown> = {
    status: () => status.toJSON(),
    drift: () => status.toJSON().drift,
    cluster: () => status.toJSON().cluster,
    events: () => status.toJSON().history,
    spare: atMostEvery(1000, () => spareNow(settings.monitorPort, status.clustered)),
    holds: (msg): HoldsAnswer => heldOf(mount(), msg.data),
  };
  for (const [name, what] of Object.entries(endpoints)) group.addEndpoint(name, answer(what));
  return service;
}

/**
 * Why this supervisor does not answer as the service, or null when it does. `auto`: only where it talks to NATS
 * anyway (a cluster member's lease, operator mode's claims push), since the NATS client costs an edge node ~6 MB.
 */
function notOffered(settings: ServiceSettings, facts: ConfigFacts): string | null {
  if (settings.service === 'off') return 'NATS_SERVICE=off';
  if (settings.service === 'auto' && !facts.clustered && !facts.operatorMode) {
    return 'NATS_SERVICE=auto and this server is neither a cluster member nor in operator mode; NATS_SERVICE=on answers';
  }
  // An anonymous connection in operator mode is refused, and nats-server logs each try as an error.
  if (facts.operatorMode && !settings.sysUserCredPath && !new URL(settings.clientUrl).username) {
    return 'operator mode, and no system user creds (NATS_SYS_USER_CRED_PATH) to answer with';
  }
  return null;
}

/**
 * Answers as the NATS service `iofog-nats` once nats-server first says who it is (/varz), beside the chart and
 * never in its way: a failure is said once and leaves the supervisor as it was (docs/operator-views.md).
 */
export function offerMemberService(
  settings: ServiceSettings,
  facts: () => Promise<ConfigFacts>,
  status: StatusModel,
  mount: () => MountHolds,
  logger: Logger,
): MemberService {
  if (settings.monitorPort === 0) return { close: async () => undefined, fleet: async () => ({ off: 'monitoring is off (NATS_MONITOR_PORT=0)' }) };
  let nc: NatsConnection | null = null;
  let closed = false;
  let offBecause = 'not answering as a NATS service yet (nats-server has not said who it is)';
  let onTransition: ((t: Transition) => void) | null = null;
  const start = async (varz: Varz): Promise<void> => {
    const known = await facts();
    const why = notOffered(settings, known);
    if (why) {
      offBecause = why;
      return logger.info({ why }, 'not answering as a NATS service');
    }
    nc = await connectForService(settings, known.unadvertisedPeers);
    if (closed) return void (await nc.close());
    await addService(nc, varz, settings, status, mount);
    const conn = nc;
    const subject = `${memberSubject(varz.server_name ?? '')}.transitions`;
    onTransition = (t) => {
      // Said from inside the chart's observer: a connection the client gave up on must not throw into it.
      try {
        conn.publish(subject, JSON.stringify(t));
      } catch {
        /* no follower hears this one */
      }
    };
    status.on('transition', onTransition);
    logger.info({ name: SERVICE_NAME, subject: memberSubject(varz.server_name ?? '') }, 'answering as a NATS service');
  };
  const poll = new MonitorPoll<Varz>({
    when: () => status.ready,
    ask: (signal) => fetchVarz(settings.monitorPort, signal),
    everyMs: () => VARZ_EVERY_MS,
    onAnswer: (answer) => {
      if (!answer.ok) return;
      start(answer.value).catch((err: unknown) => logger.warn({ err: String(err) }, `the NATS service ${SERVICE_NAME} could not start; running without it`));
      return 'done';
    },
  }).start();
  const survey = atMostEvery(SURVEY_EVERY_MS, async (): Promise<FleetAnswer> => {
    if (!nc) return { off: offBecause };
    return surveyFleet(nc).then(
      (found) => ({ survey: found }),
      (err: unknown) => ({ off: `the survey failed: ${String(err)}` }),
    );
  });
  return {
    fleet: () => (nc && onTransition ? survey() : Promise.resolve({ off: offBecause })),
    close: async () => {
      closed = true;
      poll.close();
      if (onTransition) status.off('transition', onTransition);
      await nc?.close().catch(() => undefined);
    },
  };
}

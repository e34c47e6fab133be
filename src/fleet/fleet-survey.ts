import type { NatsConnection } from '@nats-io/transport-node';
import type { ServiceInfo } from '@nats-io/services';
import type { StatusDocument } from '../status/model.js';
import { requireLazily } from '../util/lazy-require.js';
import { SERVICE_NAME } from './service-subjects.js';

/** One instance of the service that answered: what it says of itself, and its status (null: it did not say in time). */
export interface FleetRow {
  name: string;
  metadata: Record<string, string>;
  status: StatusDocument | null;
  /** Whether the cluster could spare it now, and why not; null: it did not say in time. */
  spare: Spare | null;
  error: string | null;
}

export interface Spare {
  mayLeave: boolean;
  reasons: string[];
}

export interface FleetSurvey {
  rows: FleetRow[];
  /** Members the answering members' meta layer names that did not answer. */
  missing: string[];
}

async function instances(nc: NatsConnection, waitMs: number): Promise<ServiceInfo[]> {
  const { Svcm } = requireLazily('@nats-io/services') as typeof import('@nats-io/services');
  const found: ServiceInfo[] = [];
  try {
    for await (const info of await new Svcm(nc).client({ strategy: 'timer', maxWait: waitMs }).info(SERVICE_NAME)) found.push(info);
  } catch (err) {
    // No instance at all in this account.
    if (!/no responders/.test(String(err))) throw err;
  }
  return found;
}

async function ask<T>(nc: NatsConnection, info: ServiceInfo, endpoint: string, timeoutMs: number): Promise<T> {
  const subject = info.endpoints.find((e) => e.name === endpoint)?.subject;
  if (!subject) throw new Error(`it has no ${endpoint} endpoint`);
  return (await nc.request(subject, '', { timeout: timeoutMs })).json<T>();
}

async function rowOf(nc: NatsConnection, info: ServiceInfo, timeoutMs: number): Promise<FleetRow> {
  const [status, spare] = await Promise.allSettled([ask<StatusDocument>(nc, info, 'status', timeoutMs), ask<Spare>(nc, info, 'spare', timeoutMs)]);
  return {
    name: info.metadata?.server_name || info.id,
    metadata: info.metadata ?? {},
    status: status.status === 'fulfilled' ? status.value : null,
    spare: spare.status === 'fulfilled' ? spare.value : null,
    error: status.status === 'rejected' ? String(status.reason) : null,
  };
}

/**
 * Every instance of `iofog-nats` this connection's account sees, each asked for its status, all within
 * `deadlineMs`: half to find them, the rest for their answers. Members the meta layer names that did not answer
 * are missing.
 */
export async function surveyFleet(nc: NatsConnection, deadlineMs = 1000): Promise<FleetSurvey> {
  const started = Date.now();
  const found = await instances(nc, deadlineMs / 2);
  const left = Math.max(100, deadlineMs - (Date.now() - started));
  const rows = (await Promise.all(found.map((info) => rowOf(nc, info, left)))).sort((a, b) => a.name.localeCompare(b.name));
  const answered = new Set(rows.map((r) => r.name));
  const named = rows.flatMap((r) => [...(r.status?.cluster?.peers ?? []).map((p) => p.name)]);
  const missing = [...new Set(named)].filter((n) => !answered.has(n)).sort();
  return { rows, missing };
}

import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Layout } from './layout.js';

export async function varz(l: Layout): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${l.monitorPort}/varz`);
  return (await res.json()) as Record<string, unknown>;
}

export function natsConnect(l: Layout, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  return connect({ servers: `127.0.0.1:${l.clientPort}`, reconnect: false, ...opts });
}

/** One request/reply round trip through the server: proof that it serves this connection. */
export async function roundTrip(nc: NatsConnection, subject = 'probe.echo'): Promise<boolean> {
  const sub = nc.subscribe(subject, {
    callback: (_err, msg) => {
      msg.respond(msg.data);
    },
  });
  try {
    const reply = await nc.request(subject, 'ping', { timeout: 2000 });
    return reply.string() === 'ping';
  } finally {
    sub.unsubscribe();
  }
}

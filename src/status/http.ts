import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { GRAPH_CONTENT_TYPES, isGraphFormat, renderGraph } from '../graph/render.js';
import { chartLayout } from './page/chart-layout.js';
import { PAGE_CSP, renderPage } from './page/page.js';
import { createMetrics } from './metrics.js';
import type { StatusModel, Transition } from './model.js';
import { MAX_STREAM_CLIENTS, StreamSlots, writeOrLetGo } from './client-limits.js';
import { parseHostPort } from '../util/host-port.js';
import { capConnections } from './connection-cap.js';
import type { FleetAnswer } from '../fleet/member-service.js';

/** The fleet as this supervisor's NATS service sees it (the page's fleet panel). */
export type FleetSource = () => Promise<FleetAnswer>;

const HEARTBEAT_MS = 15_000;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown): void => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value) + '\n');

function events(res: ServerResponse, status: StatusModel, clients: StreamSlots): void {
  if (!clients.take()) return json(res, 503, { error: `at most ${MAX_STREAM_CLIENTS} event streams at once` });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const write = (chunk: string): void => writeOrLetGo(res, chunk);
  write(`event: state\ndata: ${JSON.stringify(status.toJSON())}\n\n`);
  // The client keeps its own list of transitions: each event carries the state without the history.
  const onTransition = (t: Transition): void => {
    const { history: _history, ...state } = status.toJSON();
    write(`event: transition\ndata: ${JSON.stringify({ transition: t, state })}\n\n`);
  };
  // What is true of the member changed (a region of the chart): the state again, without the history.
  const onMember = (): void => {
    const { history: _history, ...state } = status.toJSON();
    write(`event: member\ndata: ${JSON.stringify(state)}\n\n`);
  };
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS).unref();
  status.on('transition', onTransition);
  status.on('member', onMember);
  res.once('close', () => {
    clients.release();
    clearInterval(heartbeat);
    status.off('transition', onTransition);
    status.off('member', onMember);
  });
}

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

function routes(status: StatusModel, fleet: FleetSource): Record<string, Route> {
  const metrics = createMetrics(status);
  const eventClients = new StreamSlots();
  return {
    '/state': (_req, res) => json(res, 200, status.toJSON()),
    '/events': (_req, res) => events(res, status, eventClients),
    '/fleet': async (_req, res) => json(res, 200, await fleet()),
    '/healthz': (_req, res) =>
      json(res, status.healthy ? 200 : 503, {
        ready: status.ready,
        caughtUp: status.caughtUp,
        healthy: status.health?.healthy ?? null,
        reason: status.notHealthyBecause,
        state: status.state,
      }),
    '/graph': (_req, res, url) => {
      const format = url.searchParams.get('format') ?? 'json';
      if (!isGraphFormat(format)) return json(res, 400, { error: 'format must be mermaid, dot, scxml or json' });
      send(res, 200, GRAPH_CONTENT_TYPES[format], renderGraph(format));
    },
    '/metrics': async (_req, res) => {
      const { contentType, body } = await metrics();
      send(res, 200, contentType, body);
    },
    '/': (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': PAGE_CSP,
        'x-content-type-options': 'nosniff',
      });
      res.end(renderPage(chartLayout()));
    },
  };
}

/** The request target as a URL, or null for one that is not a path (`GET http://x:y`, `*`, garbage). */
function targetOf(req: IncomingMessage): URL | null {
  if (!req.url?.startsWith('/')) return null;
  try {
    return new URL(req.url, 'http://status.local');
  } catch {
    return null;
  }
}

/** One request, whatever it is: an answer and nothing else. No request may reach the core. */
async function handle(table: Record<string, Route>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = targetOf(req);
    if (!url) return json(res, 400, { error: 'bad request target' });
    const route = table[url.pathname];
    if (!route) return json(res, 404, { error: 'not found', routes: Object.keys(table) });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    await route(req, res, url);
  } catch (err) {
    if (!res.headersSent) json(res, 500, { error: `internal error: ${String(err)}` });
    else res.destroy();
  }
}

/** NATS_STATUS_ADDR: read-only status routes and nothing else (no files, no listing, no env). */
export async function startStatusHttp(addr: string, status: StatusModel, fleet: FleetSource = async () => ({ off: 'no NATS service here' })) {
  const table = routes(status, fleet);
  // Slow or oversized requests are cut off by node itself (a 408 or 431), never queued; node looks for them every
  // second (its default, 30 s, would let a slow client hold a connection for 40 s).
  const server = createServer(
    { headersTimeout: 5_000, requestTimeout: 15_000, connectionsCheckingInterval: 1_000, maxHeaderSize: 16 * 1024 },
    (req, res) => void handle(table, req, res),
  );
  capConnections(server);

  const parsed = parseHostPort(addr);
  if (!parsed) throw new Error(`not host:port: ${addr}`);
  const { host, port } = parsed;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    address: server.address(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

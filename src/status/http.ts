import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { chartGraph } from '../graph/chart-graph.js';
import { GRAPH_CONTENT_TYPES, isGraphFormat, renderGraph } from '../graph/render.js';
import { chartLayout } from './page/chart-layout.js';
import { PAGE_CSP, renderPage } from './page/page.js';
import { createMetrics } from './metrics.js';
import type { StatusModel, Transition } from './model.js';

const HEARTBEAT_MS = 15_000;

export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(addr);
  if (!m) throw new Error(`not host:port: ${addr}`);
  return { host: m[1] ?? '', port: Number(m[2]) };
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value) + '\n');

function events(req: IncomingMessage, res: ServerResponse, status: StatusModel): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(`event: state\ndata: ${JSON.stringify(status.toJSON())}\n\n`);
  // The client keeps its own list of transitions: each event carries the state without the history.
  const onTransition = (t: Transition): void => {
    const { history: _history, ...state } = status.toJSON();
    res.write(`event: transition\ndata: ${JSON.stringify({ transition: t, state })}\n\n`);
  };
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS).unref();
  status.on('transition', onTransition);
  req.once('close', () => {
    clearInterval(heartbeat);
    status.off('transition', onTransition);
  });
}

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

function routes(status: StatusModel): Record<string, Route> {
  const metrics = createMetrics(status);
  return {
    '/state': (_req, res) => json(res, 200, status.toJSON()),
    '/events': (req, res) => events(req, res, status),
    '/healthz': (_req, res) => json(res, status.ready ? 200 : 503, { ready: status.ready, state: status.state }),
    '/graph': (_req, res, url) => {
      const format = url.searchParams.get('format') ?? 'json';
      if (!isGraphFormat(format)) return json(res, 400, { error: 'format must be mermaid, dot, scxml or json' });
      send(res, 200, GRAPH_CONTENT_TYPES[format], renderGraph(format));
    },
    '/metrics': async (_req, res) => {
      const { contentType, body } = await metrics();
      send(res, 200, contentType, body);
    },
    '/': async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': PAGE_CSP, 'x-content-type-options': 'nosniff' });
      res.end(renderPage(await chartLayout(chartGraph())));
    },
  };
}

/** NATS_STATUS_ADDR: read-only status routes and nothing else (no files, no listing, no env). */
export async function startStatusHttp(addr: string, status: StatusModel) {
  const table = routes(status);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://status.local');
    const route = table[url.pathname];
    if (!route) return json(res, 404, { error: 'not found', routes: Object.keys(table) });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    Promise.resolve(route(req, res, url)).catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  const { host, port } = parseAddr(addr);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    address: server.address(),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

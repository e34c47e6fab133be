import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** The status server's connections at once: probes, a scraper, a few pages and their event streams fit well within. */
export const MAX_HTTP_CONNECTIONS = 128;

/**
 * Holds the status server to MAX_HTTP_CONNECTIONS, so idle or slow clients (slowloris) can neither exhaust the
 * supervisor's file descriptors, which its watcher and nats-server's validation need, nor keep a probe out.
 * Past the cap the oldest connection not being answered (idle, or still sending its request) is closed to make
 * room: a new /healthz always gets in. Only when every connection is being answered is the newcomer turned away.
 */
export function capConnections(server: Server): void {
  // In arrival order: the first one found idle is the oldest.
  const open = new Map<Socket, { answering: number }>();
  server.on('connection', (socket: Socket) => {
    open.set(socket, { answering: 0 });
    socket.once('close', () => open.delete(socket));
    if (open.size <= MAX_HTTP_CONNECTIONS) return;
    const idle = [...open].find(([s, state]) => s !== socket && state.answering === 0)?.[0];
    (idle ?? socket).destroy();
  });
  server.on('request', (req, res) => {
    const state = open.get(req.socket);
    if (!state) return;
    state.answering += 1;
    res.once('close', () => (state.answering -= 1));
  });
}

import { createServer } from 'node:net';

/** A port the kernel just handed out on loopback, released for the test to use. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Every port freeListenPort handed out in this process: never twice. */
const handedOut = new Set<number>();

/**
 * A free loopback port below the kernel's ephemeral range: a server started later cannot find it taken by the
 * local end of an outgoing connection (a route between cluster members picks its port from that range).
 */
export async function freeListenPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    // Free now is not enough: one handed out earlier and not yet listened on is free too. A cluster takes twelve
    // of these; two alike made one member's route port its neighbour's monitoring port (a CI run: no meta leader).
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
}

import { createServer } from 'node:net';

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

/**
 * A free loopback port for a server the test starts. Not one the kernel hands out (port 0): that is in the
 * ephemeral range, where an outgoing connection may take it as its local end before the server binds it (two
 * integration runs: nats-server's monitoring port "address already in use", backing off past the test's wait).
 */
export const freePort = freeListenPort;

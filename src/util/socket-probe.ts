import { connect, type NetConnectOpts } from 'node:net';

/** Whether something accepts a connection there (a TCP port or a unix socket path); closed at once either way. */
export function accepts(where: NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(where);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

import { existsSync, lstatSync } from 'node:fs';
import { chmod, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { StatusModel } from './model.js';
import { accepts } from '../util/socket-probe.js';
import { MAX_STREAM_CLIENTS, StreamSlots, writeOrLetGo } from './client-limits.js';

/** The control socket cannot be had (another supervisor answers on it, its dir is missing): the CLI exits 2. */
export class SocketInUseError extends Error {
  override readonly name = 'SocketInUseError';
  readonly code = 'E_SOCKET_IN_USE';
}

/** What stands at the path when it is not a socket: a directory, a regular file, … */
function kindOf(path: string): string | null {
  try {
    const st = lstatSync(path);
    if (st.isSocket()) return null;
    return st.isDirectory() ? 'a directory' : st.isFile() ? 'a regular file' : st.isSymbolicLink() ? 'a symlink' : 'not a socket';
  } catch {
    return null;
  }
}

// A socket file left by a crashed run is removed; one a live supervisor answers on is never taken over, and
// whatever is not a socket is never deleted: it is a bad setting.
async function clearStale(path: string): Promise<void> {
  if (!existsSync(path)) return; // the usual case in a fresh container: no connect attempt on the way to start
  const kind = kindOf(path);
  if (kind) throw new SocketInUseError(`NATS_CONTROL_SOCKET: ${path} is ${kind}, not a socket left by a supervisor; set NATS_CONTROL_SOCKET to another path`);
  if (await accepts({ path })) {
    throw new SocketInUseError(`NATS_CONTROL_SOCKET: another iofog-nats answers on ${path}; stop it or set NATS_CONTROL_SOCKET to another path`);
  }
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** A command line longer than this is not a command: the connection is answered with an error and closed. */
const MAX_LINE_BYTES = 4096;

/** The one command line a client sends, or why there is none. */
function commandOf(line: string): { cmd: string } | { error: string } {
  try {
    const cmd = (JSON.parse(line || '{}') as { cmd?: unknown } | null)?.cmd;
    return typeof cmd === 'string' ? { cmd } : { error: 'expected a JSON line like {"cmd":"state"}' };
  } catch {
    return { error: 'not JSON; expected a line like {"cmd":"state"}' };
  }
}

/**
 * The one command that acts: an operator lets a held store-fault restart go ahead (`iofog-nats accept-loss`).
 * It answers whether a restart was held, and asks the chart nothing else.
 */
export type AcceptLoss = () => { accepted: boolean; message: string };

/** One connection, whatever it sends: an answer and nothing else. No other line may reach the core. */
function serve(socket: Socket, status: StatusModel, followers: StreamSlots, acceptLoss: AcceptLoss): void {
  const write = (value: unknown): void => writeOrLetGo(socket, JSON.stringify(value) + '\n');
  socket.on('error', () => socket.destroy());
  let buffered = '';
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    const end = buffered.indexOf('\n');
    if (end < 0 && buffered.length <= MAX_LINE_BYTES) return;
    socket.off('data', onData);
    answer(end < 0 ? { error: `a command line is at most ${MAX_LINE_BYTES} bytes` } : commandOf(buffered.slice(0, end)));
  };
  const answer = (c: { cmd: string } | { error: string }): void => {
    if ('error' in c) return void socket.end(JSON.stringify(c) + '\n');
    if (c.cmd === 'follow') {
      if (!followers.take()) return void socket.end(JSON.stringify({ error: `at most ${MAX_STREAM_CLIENTS} followers at once` }) + '\n');
      write({ state: status.toJSON() });
      const onTransition = (transition: unknown): void => write({ transition, state: status.toJSON() });
      status.on('transition', onTransition);
      socket.once('close', () => {
        followers.release();
        status.off('transition', onTransition);
      });
      return;
    }
    const reply =
      c.cmd === 'state' ? status.toJSON() : c.cmd === 'accept-loss' ? acceptLoss() : { error: `unknown command ${c.cmd}; use state, follow or accept-loss` };
    socket.end(JSON.stringify(reply) + '\n');
  };
  socket.on('data', onData);
}

/** NATS_CONTROL_SOCKET: a unix socket (mode 0600) that `iofog-nats inspect` reads the state from. */
export async function startControlSocket(path: string, status: StatusModel, acceptLoss: AcceptLoss): Promise<{ close(): Promise<void> }> {
  await clearStale(path);
  const open = new Set<Socket>();
  const followers = new StreamSlots();
  const server: Server = createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    serve(socket, status, followers, acceptLoss);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new SocketInUseError(`NATS_CONTROL_SOCKET: cannot listen on ${path} (${err.code ?? err.message}); set it to a path in a writable directory`)),
    );
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Followers hold connections open and close() waits for them: end them.
        for (const socket of open) socket.destroy();
      }),
  };
}

// The client side of the protocol: one JSON command line, then JSON lines back.

/** No supervisor answers on the socket: `inspect` says so and exits 1. */
export class NoSupervisorError extends Error {
  override readonly name = 'NoSupervisorError';
  readonly code = 'E_NO_SUPERVISOR';
}

function parseAnswer(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new NoSupervisorError(`what answers on the control socket is not an iofog-nats supervisor (not a JSON line: ${JSON.stringify(line.slice(0, 80))})`);
  }
}

/** Sends one command to the control socket and yields each JSON line of the answer. */
export async function* ask(path: string, cmd: 'state' | 'follow' | 'accept-loss'): AsyncGenerator<unknown> {
  const socket = connect(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new NoSupervisorError(
          `no iofog-nats supervisor answers on ${path} (${err.code ?? err.message}); is it running? ` +
            'Set NATS_CONTROL_SOCKET to the path the supervisor uses.',
        ),
      ),
    );
  });
  socket.write(JSON.stringify({ cmd }) + '\n');
  try {
    for await (const line of createInterface({ input: socket })) yield parseAnswer(line);
  } catch (err) {
    // A supervisor that stopped, or a connection reset mid-answer: said in one line, not a stack trace.
    if (err instanceof NoSupervisorError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new NoSupervisorError(`the connection to the iofog-nats supervisor on ${path} was lost (${code})`);
  } finally {
    socket.destroy();
  }
}

import type { Writable } from 'node:stream';

/**
 * What each status surface (the event stream over HTTP, `inspect --follow` on the control socket) allows its
 * streaming clients: how many at once, and how much a client that does not read may have queued before it is
 * let go. Neither may grow the supervisor.
 */
export const MAX_STREAM_CLIENTS = 32;
export const MAX_BACKLOG_BYTES = 1024 * 1024;

/** Writes to a streaming client, or lets it go when its backlog is past the limit. */
export function writeOrLetGo(stream: Writable, chunk: string): void {
  if (stream.writableLength > MAX_BACKLOG_BYTES) stream.destroy();
  else if (!stream.destroyed) stream.write(chunk);
}

/** The streaming clients of one surface: a slot is taken when one is admitted and given back when it closes. */
export class StreamSlots {
  private open = 0;

  /** False when all MAX_STREAM_CLIENTS are taken: the client is turned away. */
  take(): boolean {
    if (this.open >= MAX_STREAM_CLIENTS) return false;
    this.open += 1;
    return true;
  }

  release(): void {
    this.open -= 1;
  }
}

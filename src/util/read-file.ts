import { closeSync, constants, fstatSync, openSync, readSync, readdirSync } from 'node:fs';

export type Read = { kind: 'file'; bytes: Buffer } | { kind: 'dir' } | { kind: 'link' } | null;

/** Reads the `size` bytes fstat reported into `buf` (or a new buffer when it does not fit). */
export function readAll(fd: number, size: number, buf?: Buffer): Buffer {
  const into = buf && size <= buf.length ? buf : Buffer.allocUnsafe(size);
  let total = 0;
  while (total < size) {
    const n = readSync(fd, into, total, size - total, total);
    if (n === 0) break;
    total += n;
  }
  return into.subarray(0, total);
}

/** The process (EMFILE) or the system (ENFILE) has no file descriptor left: nothing is known about the file. */
export class OutOfFileDescriptors extends Error {
  override readonly name = 'OutOfFileDescriptors';
  constructor(file: string, code: string) {
    super(`cannot open ${file}: out of file descriptors (${code}); raise the open-files limit (ulimit -n)`);
  }
}

/** The process (EMFILE) or the system (ENFILE) has no file descriptor left. */
export const isOutOfFds = (code: string | undefined): code is 'EMFILE' | 'ENFILE' => code === 'EMFILE' || code === 'ENFILE';

/** A directory's names; none when it cannot be listed, but out of file descriptors it throws (see readRegular). */
export function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isOutOfFds(code)) throw new OutOfFileDescriptors(dir, code);
    return [];
  }
}

/**
 * One open per path: a regular file's bytes, or what else it is; null when it cannot be opened. Non-blocking,
 * so a FIFO never hangs the supervisor. `noFollow`: a link as the last component is reported, not followed.
 * With `scratch`, the bytes live in it until the next call. Out of file descriptors it throws: the file may
 * well be there, and taking it for missing would lose a change.
 */
export function readRegular(file: string, opts: { noFollow?: boolean; scratch?: Buffer } = {}): Read {
  const read = withRegular(file, opts, (fd, size) => readAll(fd, size, opts.scratch));
  return read?.kind === 'file' ? { kind: 'file', bytes: read.value } : read;
}

/** An open file fed to `consume` a chunk at a time, never held whole (the chunk is reused: consume it at once). */
export function readChunks(fd: number, chunk: Buffer, consume: (part: Buffer) => void): void {
  for (let at = 0, n = readSync(fd, chunk, 0, chunk.length, at); n > 0; at += n, n = readSync(fd, chunk, 0, chunk.length, at)) {
    consume(chunk.subarray(0, n));
  }
}

/** Opens once (non-blocking, see readRegular) and hands a regular file's fd and size to `onFile`. */
export function withRegular<T>(
  file: string,
  opts: { noFollow?: boolean },
  onFile: (fd: number, size: number) => T,
): { kind: 'file'; value: T } | Exclude<Read, { kind: 'file' }> {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isOutOfFds(code)) throw new OutOfFileDescriptors(file, code);
    return code === 'ELOOP' ? { kind: 'link' } : null;
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { kind: 'dir' };
    return st.isFile() ? { kind: 'file', value: onFile(fd, st.size) } : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

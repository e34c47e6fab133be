import { readdirSync } from 'node:fs';
import { execa } from 'execa';

// tgkill(2) through glibc: no command sends a signal to one thread of a process.
const TGKILL = 'import ctypes,signal,sys\nlibc=ctypes.CDLL(None,use_errno=True)\nfor t in sys.argv[2:]: libc.tgkill(int(sys.argv[1]),int(t),signal.SIGCHLD)';

/**
 * Sends SIGCHLD to every thread of this process but the main one, as the kernel may when a child exits while
 * the main thread is busy: a thread blocked in poll(2) then sees EINTR.
 */
export async function sigchldToOtherThreads(): Promise<number> {
  const tids = readdirSync(`/proc/${process.pid}/task`).filter((t) => t !== String(process.pid));
  await execa('python3', ['-c', TGKILL, String(process.pid), ...tids]);
  return tids.length;
}

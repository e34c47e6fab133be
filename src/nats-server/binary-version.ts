import { execa } from 'execa';
import { SettingsError } from '../settings.js';

const VERSION = /nats-server:?\s+v?(\d+\.\d+\.\d+[^\s]*)/;
const ASK_TIMEOUT_MS = 10_000;

function killGroup(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/**
 * Asks NATS_SERVER_BIN its version: a binary that is not nats-server (`/bin/true`, a script that answers
 * something else) is a bad setting, exit 2, for `run` and `check` alike (docs/contract.md: Exit codes). A
 * wrapper passes `--version` on to nats-server and answers as it does.
 */
export async function serverBinaryVersion(bin: string): Promise<string> {
  // In a group of its own, killed whole at the deadline: a script that left a child holding its output open
  // (`sleep 300 &`, a server started instead of asked) kept the answer, and the exit 2, waiting for minutes.
  const child = execa(bin, ['--version'], { reject: false, detached: true, maxBuffer: 64 * 1024 * 1024, stdin: 'ignore' });
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, ASK_TIMEOUT_MS);
  const r = await child.finally(() => clearTimeout(deadline));
  const text = `${String(r.stdout)}\n${String(r.stderr)}`;
  const version = VERSION.exec(text)?.[1];
  if (r.exitCode === 0 && version) return version;
  const first = text.trim().split('\n')[0]?.slice(0, 200);
  const said = timedOut
    ? `no answer in ${ASK_TIMEOUT_MS / 1000} s`
    : first
      ? `it said ${JSON.stringify(first)}`
      : `it said nothing (exit code ${String(r.exitCode)})`;
  throw new SettingsError('NATS_SERVER_BIN', `${bin} is not nats-server: asked \`--version\`, ${said}`);
}

import { execa } from 'execa';

// Creates one inotify instance (libuv's, through fs.watch) and says whether that worked.
const PROBE = "try{require('fs').watch(require('os').tmpdir()).close();process.stdout.write('ok')}catch(e){process.stdout.write(String(e.code||e))}";

/**
 * Whether an inotify instance can be created now. @parcel/watcher blocks the event loop for good when it
 * cannot (fs.inotify.max_user_instances reached; parcel-bundler/watcher#159), so a short-lived node child
 * asks first: in this process the answer would cost libuv's own instance, and a worker thread's memory
 * stays with the process.
 */
export async function inotifyProbe(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (process.platform !== 'linux') return { ok: true };
  const result = await execa(process.execPath, ['-e', PROBE], {
    reject: false,
    timeout: 10_000,
    stdin: 'ignore',
    env: { PATH: process.env.PATH },
    extendEnv: false,
  });
  if (result.stdout === 'ok') return { ok: true };
  return { ok: false, reason: result.stdout || result.shortMessage || 'the probe failed' };
}

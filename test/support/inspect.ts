import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { StatusDocument } from '../../src/status/model.js';
import type { Layout } from './layout.js';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.ts');
const run = promisify(execFile);

/** `iofog-nats inspect`, run as an operator runs it, against the layout's control socket. */
export function inspect(l: Layout, ...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', CLI, 'inspect', ...args], { env: { ...process.env, NATS_CONTROL_SOCKET: l.env.NATS_CONTROL_SOCKET } });
}

/** `iofog-nats accept-loss`, as an operator runs it: a held store-fault restart goes ahead. */
export function acceptLoss(l: Layout) {
  return run(process.execPath, ['--import', 'tsx', CLI, 'accept-loss'], { env: { ...process.env, NATS_CONTROL_SOCKET: l.env.NATS_CONTROL_SOCKET } });
}

export async function inspectJson(l: Layout): Promise<StatusDocument> {
  return JSON.parse((await inspect(l, '--json')).stdout) as StatusDocument;
}

/** `iofog-nats inspect --all`, run inside a member: with its environment (NATS_CLIENT_URL, the system user's creds). */
export function inspectAll(l: Layout, ...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', CLI, 'inspect', '--all', ...args], { env: { ...process.env, ...l.env } });
}

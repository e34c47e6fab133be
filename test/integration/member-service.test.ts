import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Svcm, type ServiceInfo } from '@nats-io/services';
import { credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { memberSubject } from '../../src/fleet/service-subjects.js';
import { perTestCleanup } from '../support/cleanup.js';
import { basicConfig, type Layout } from '../support/layout.js';
import { CLI, inspectAll } from '../support/inspect.js';
import { natsConnect, varz } from '../support/nats.js';
import { OperatorWorld, putInMount } from '../support/operator.js';
import { superviseLayout } from '../support/supervise.js';
import { eventually } from '../support/wait.js';

const cleanup = perTestCleanup();
const VERSION = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

async function connected(l: Layout, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  const nc = await natsConnect(l, opts);
  cleanup.push(() => nc.close().catch(() => undefined));
  return nc;
}

/** What `nats micro info iofog-nats` lists: every instance that answers within the client's wait. */
async function instances(nc: NatsConnection): Promise<ServiceInfo[]> {
  const found: ServiceInfo[] = [];
  try {
    for await (const info of await new Svcm(nc).client({ strategy: 'timer', maxWait: 500 }).info('iofog-nats')) found.push(info);
  } catch (err) {
    // Nobody subscribed to the Services API's subject in this account.
    if (!/no responders/.test(String(err))) throw err;
  }
  return found;
}

describe('the supervisor as a NATS service (iofog-nats)', () => {
  it('when nats-server runs then the supervisor answers as one instance of iofog-nats, with its read-only endpoints', async () => {
    const { l } = await superviseLayout(cleanup, 'service', {
      config: (x) => basicConfig(x, 'server_name: edge-1'),
      env: { NATS_SERVICE: 'on' },
      waitFor: 'running.idle',
    });
    const nc = await connected(l);
    const [info] = await eventually('the service to answer', async () => ((await instances(nc)).length === 1 ? instances(nc) : undefined), 20_000);
    const server = await varz(l);
    assert.deepEqual(info!.metadata, {
      server_name: 'edge-1',
      cluster: '',
      mode: 'server',
      nats_server_version: server.version,
      supervisor_version: VERSION,
    });
    assert.equal(info!.version, VERSION);
    assert.deepEqual(
      info!.endpoints.map((e) => e.subject),
      ['status', 'drift', 'cluster', 'events', 'spare', 'holds'].map((e) => `${memberSubject('edge-1')}.${e}`),
    );
    // No mount here: what another member asks before a purge gets "cannot tell", never "holds none".
    const holds = (await nc.request(`${memberSubject('edge-1')}.holds`, JSON.stringify({ accounts: ['A'.repeat(56)] }), { timeout: 2000 })).json<unknown>();
    assert.deepEqual(holds, { unknown: 'the mount does not exist' });
    const garbage = await nc.request(`${memberSubject('edge-1')}.holds`, 'garbage', { timeout: 2000 });
    assert.match(String(garbage.headers?.get('Nats-Service-Error')), /send \{"accounts"/);
    const status = (await nc.request(`${memberSubject('edge-1')}.status`, '', { timeout: 2000 })).json<{ state: string }>();
    assert.equal(status.state, 'running.idle');
    const drift = (await nc.request(`${memberSubject('edge-1')}.drift`, '', { timeout: 2000 })).json<{ inStep: boolean }>();
    assert.equal(drift.inStep, true);
    const survey = JSON.parse((await inspectAll(l, '--json')).stdout) as { rows: { name: string; status: { state: string } }[]; missing: string[] };
    assert.deepEqual(
      survey.rows.map((r) => [r.name, r.status.state]),
      [['edge-1', 'running.idle']],
    );
    const text = (await inspectAll(l)).stdout;
    assert.match(text, /^member +mode +state +ready +caught up +drift/m);
    assert.match(text, /^edge-1 +server +running\.idle +yes +yes +in step .* yes$/m);
    assert.match(text, new RegExp(`^every member runs nats-server ${String(server.version).replace(/\./g, '\\.')}, supervisor ${VERSION}`, 'm'));
  });

  it('when inspect --all --follow runs then each transition of a member comes as it happens, prefixed by the member', async () => {
    const config = (x: Layout, payload: number) => basicConfig(x, `server_name: edge-2\nmax_payload: ${payload}`);
    const { l } = await superviseLayout(cleanup, 'service-follow', {
      config: (x) => config(x, 1_000_000),
      env: { NATS_SERVICE: 'on' },
      waitFor: 'running.idle',
    });
    const nc = await connected(l);
    await eventually('the service to answer', async () => (await instances(nc)).length === 1, 20_000);
    const follower = spawn(process.execPath, ['--import', 'tsx', CLI, 'inspect', '--all', '--follow'], { env: { ...process.env, ...l.env } });
    cleanup.push(() => void follower.kill('SIGKILL'));
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const connz = async () =>
      (await (await fetch(`http://127.0.0.1:${l.monitorPort}/connz?subs=1`)).json()) as { connections: { name?: string; subscriptions_list?: string[] }[] };
    await eventually(
      'the follower to subscribe',
      async () => (await connz()).connections.some((c) => c.name === 'iofog-nats inspect --all' && (c.subscriptions_list ?? []).length > 0),
      20_000,
    );
    await writeFile(l.conf, config(l, 1_000_001));
    await eventually("edge-2's transitions, prefixed by it", () => /^edge-2 +\S+ +running\.settling/m.test(out), 20_000);
  });

  it('when a standalone server has NATS_SERVICE unset (auto) or off then no instance answers, and it says why', async () => {
    for (const [env, why] of [
      [{}, /NATS_SERVICE=auto and this server is neither a cluster member nor in operator mode/],
      [{ NATS_SERVICE: 'off' }, /NATS_SERVICE=off/],
    ] as const) {
      const { l, sup } = await superviseLayout(cleanup, 'service-off', { env, waitFor: 'running.idle' });
      const said = await sup.waitForLog('the service to say why not', (line) => line.msg === 'not answering as a NATS service');
      assert.match(String(said.why), why);
      assert.deepEqual(await instances(await connected(l)), []);
    }
  });

  it('when in operator mode then only system users see it: an application user finds no instance', async () => {
    const w = await OperatorWorld.create();
    const app = await w.account('APP');
    const { l } = await superviseLayout(cleanup, 'service-operator', {
      config: (x) => w.config(x),
      prepare: async (x) => {
        await w.creds(w.sys, path.join(x.credsDir, 'sys.creds'));
        await putInMount(x, app);
      },
      env: { NATS_SYS_USER_CRED_PATH: 'sys.creds' },
      waitFor: 'running.idle',
    });
    const as = async (account: typeof app, file: string) => {
      const creds = await w.creds(account, path.join(l.root, 'users', file));
      return connected(l, { authenticator: credsAuthenticator(await readFile(creds)) });
    };
    const sys = await as(w.sys, 'sys-user.creds');
    await eventually('the service to answer the system user', async () => (await instances(sys)).length === 1, 20_000);
    assert.deepEqual(await instances(await as(app, 'app-user.creds')), []);
  });
});

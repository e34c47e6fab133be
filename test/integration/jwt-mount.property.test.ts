import assert from 'node:assert/strict';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import fc from 'fast-check';
import { perTestCleanup } from '../support/cleanup.js';
import { inspectJson } from '../support/inspect.js';
import { makeLayout, removeLayout, type Layout } from '../support/layout.js';
import { natsConnect } from '../support/nats.js';
import { OperatorWorld, putInMount, type TestAccount } from '../support/operator.js';
import { SupervisorProcess } from '../support/supervisor-process.js';
import { eventually } from '../support/wait.js';

// #20: a JWT caught mid-write never costs an account its data. The mount is written the ways people and tools
// write it, against the real nats-server, and no account whose name stayed in the mount may lose a stream.
const cleanup = perTestCleanup();
const RUNS = Number(process.env.JWT_MOUNT_RUNS ?? 8);
const MESSAGES = 3;

/** How a tool or a person rewrites an account's file; every one ends with the account's right JWT in place. */
type Way = 'inPlaceInPieces' | 'atomic' | 'renamedIn' | 'foreign' | 'garbage' | 'empty' | 'halfThenWhole';
const WAYS: Way[] = ['inPlaceInPieces', 'atomic', 'renamedIn', 'foreign', 'garbage', 'empty', 'halfThenWhole'];
type Step = { kind: 'write'; account: number; way: Way; pauseMs: number } | { kind: 'leaveAndReturn'; gapMs: number };

interface World {
  l: Layout;
  w: OperatorWorld;
  kept: TestAccount[];
  leaving: TestAccount;
  sup: SupervisorProcess;
  js: Map<string, NatsConnection>;
}

const fileOf = (l: Layout, a: TestAccount) => path.join(l.jwtMount, `${a.key}.jwt`);

async function request(nc: NatsConnection, subject: string, body: unknown = ''): Promise<Record<string, unknown>> {
  const reply = await nc.request(subject, typeof body === 'string' ? body : JSON.stringify(body), { timeout: 5000 });
  return reply.json<Record<string, unknown>>();
}

async function streamMessages(nc: NatsConnection): Promise<number | string> {
  const info = await request(nc, '$JS.API.STREAM.INFO.KEEP');
  return info.error ? JSON.stringify(info.error) : (info.state as { messages: number }).messages;
}

async function fillStream(nc: NatsConnection): Promise<void> {
  const created = await request(nc, '$JS.API.STREAM.CREATE.KEEP', { name: 'KEEP', subjects: ['keep.>'], storage: 'file' });
  assert.equal(created.error, undefined, JSON.stringify(created.error));
  for (let i = 0; i < MESSAGES; i++) await request(nc, `keep.${i}`, `m${i}`);
}

async function writeInPieces(file: string, text: string, pauseMs: number): Promise<void> {
  const fh = await open(file, 'w');
  try {
    const cut = Math.max(1, Math.floor(text.length / 3));
    await fh.write(text.slice(0, cut));
    await sleep(pauseMs);
    await fh.write(text.slice(cut));
  } finally {
    await fh.close();
  }
}

/** A wrong content for a while, then the right one, as a tool that fixes its own mistake. */
async function wrongThenRight(file: string, wrong: string, right: string, pauseMs: number): Promise<void> {
  await writeFile(file, wrong);
  await sleep(pauseMs);
  await writeFile(file, right);
}

async function write(world: World, a: TestAccount, way: Way, pauseMs: number): Promise<void> {
  const file = fileOf(world.l, a);
  const other = world.kept.find((k) => k !== a) ?? world.leaving;
  switch (way) {
    case 'inPlaceInPieces':
      return writeInPieces(file, a.jwt, pauseMs);
    case 'atomic':
      await writeFile(`${file}.tmp`, a.jwt);
      return rename(`${file}.tmp`, file);
    case 'renamedIn': {
      // Another .jwt name first (skipped: not an account key), then renamed onto the account's.
      const incoming = path.join(world.l.jwtMount, `incoming-${pauseMs}.jwt`);
      await writeFile(incoming, a.jwt);
      await sleep(pauseMs);
      return rename(incoming, file);
    }
    case 'foreign':
      return wrongThenRight(file, other.jwt, a.jwt, pauseMs);
    case 'garbage':
      return wrongThenRight(file, 'not a jwt at all', a.jwt, pauseMs);
    case 'empty':
      return wrongThenRight(file, '', a.jwt, pauseMs);
    case 'halfThenWhole':
      return wrongThenRight(file, a.jwt.slice(0, Math.floor(a.jwt.length / 2)), a.jwt, pauseMs);
  }
}

async function play(world: World, steps: Step[]): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'write') {
      await write(world, world.kept[step.account]!, step.way, step.pauseMs);
    } else {
      await rm(fileOf(world.l, world.leaving), { force: true });
      await sleep(step.gapMs);
      await putInMount(world.l, world.leaving);
    }
  }
}

/** Every kept account's file is its JWT, and the supervisor runs what is mounted with nothing left to do. */
async function settled(world: World): Promise<void> {
  for (const a of world.kept) assert.equal(await readFile(fileOf(world.l, a), 'utf8'), a.jwt);
  await eventually(
    'the mount applied: jwt in step, running.idle',
    async () => {
      const doc = await inspectJson(world.l);
      return doc.state === 'running.idle' && doc.drift.causes.find((c) => c.cause === 'jwt')?.inStep === true;
    },
    30_000,
  );
}

async function connectAs(world: World, a: TestAccount): Promise<NatsConnection> {
  const creds = await world.w.creds(a, path.join(world.l.root, 'users', `${a.name}.creds`));
  const nc = await natsConnect(world.l, { authenticator: credsAuthenticator(await readFile(creds)), reconnect: true, maxReconnectAttempts: -1 });
  cleanup.push(() => nc.close().catch(() => undefined));
  return nc;
}

async function startWorld(): Promise<World> {
  const l = await makeLayout('jwt-mount-property');
  cleanup.push(() => removeLayout(l));
  const w = await OperatorWorld.create();
  const kept = [await w.account('A'), await w.account('B'), await w.account('C')];
  const leaving = await w.account('D');
  await writeFile(l.conf, w.config(l));
  await w.creds(w.sys, path.join(l.credsDir, 'sys.creds'));
  await putInMount(l, ...kept, leaving);
  const sup = SupervisorProcess.start(l, { NATS_SYS_USER_CRED_PATH: 'sys.creds' });
  cleanup.push(() => sup.dispose());
  await sup.waitForState('running.idle');
  const world: World = { l, w, kept, leaving, sup, js: new Map() };
  for (const a of [...kept, leaving]) {
    const nc = await connectAs(world, a);
    world.js.set(a.key, nc);
    await fillStream(nc);
  }
  return world;
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('write' as const), account: fc.nat({ max: 2 }), way: fc.constantFrom(...WAYS), pauseMs: fc.nat({ max: 400 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leaveAndReturn' as const), gapMs: fc.nat({ max: 1500 }) }) },
);

describe('the JWT mount written as people and tools write it (fast-check, real nats-server)', () => {
  it('when account files are rewritten in place, in pieces, atomically, or wrong for a while then no account left in the mount loses a stream', async () => {
    const world = await startWorld();
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 2, maxLength: 8 }), async (steps) => {
        await play(world, steps);
        await settled(world);
        for (const a of world.kept) assert.equal(await streamMessages(world.js.get(a.key)!), MESSAGES, `${a.name} kept its stream`);
        // The account that left may have been purged, as the rules allow: it gets a stream again, so each run purges.
        const d = world.js.get(world.leaving.key)!;
        if ((await streamMessages(d)) !== MESSAGES) {
          await request(d, '$JS.API.STREAM.DELETE.KEEP').catch(() => undefined);
          await fillStream(d);
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // And an account that leaves for good is purged, with nothing else.
    const from = world.sup.mark();
    await rm(fileOf(world.l, world.leaving));
    await world.sup.waitForLog('the purge of D', (x) => x.account === world.leaving.key && x.outcome === 'purged', { from, timeoutMs: 30_000 });
    for (const a of world.kept) assert.equal(await streamMessages(world.js.get(a.key)!), MESSAGES, `${a.name} kept its stream`);
    const purged = world.sup.lines.filter((x) => x.outcome === 'purged').map((x) => x.account);
    for (const a of world.kept) assert.ok(!purged.includes(a.key), `${a.name} was never purged`);
    assert.ok(
      world.sup.lines.some((x) => x.reason && /not an account public key|not a JWT|does not match|cannot be read|empty/.test(String(x.reason))),
      'misreads were seen',
    );
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { eventually } from './wait.js';

/**
 * What the publisher saw of one stream: every acked message (payload → the sequence it was acked at: a stream
 * that lost its data hands the same sequences out again), failures, the longest gap between acks.
 */
export interface StreamRecord {
  stream: string;
  acked: Map<string, number>;
  failed: number;
  longestGapMs: number;
  lastAckAt: number;
}

const ACK_TIMEOUT_MS = 1000;
const TRIES = 5;
const TRY_PAUSE_MS = 200;

/**
 * Publishes to each stream at a steady rate and waits for each ack (1 s, 5 tries 200 ms apart, one message id
 * across the tries so a retry never duplicates): what users of a replicated stream do. Every acked message
 * is recorded, so a check afterwards can say whether any is gone.
 */
export class AckedPublisher {
  readonly records: StreamRecord[];
  private running = true;
  private loops: Promise<void>[] = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    streams: string[],
    private readonly perSecond: number,
  ) {
    this.records = streams.map((stream) => ({ stream, acked: new Map(), failed: 0, longestGapMs: 0, lastAckAt: Date.now() }));
  }

  /** `auth`: how an application user connects (operator mode: its creds). */
  static async start(servers: string[], streams: string[], perSecond = 200, auth: ConnectionOptions = {}): Promise<AckedPublisher> {
    const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100, name: 'acked-publisher', ...auth });
    const p = new AckedPublisher(nc, jetstream(nc), streams, perSecond);
    p.loops = p.records.map((r) => p.publishLoop(r));
    return p;
  }

  private async publishLoop(r: StreamRecord): Promise<void> {
    r.lastAckAt = Date.now();
    for (let n = 0; this.running; n++) {
      const started = Date.now();
      const payload = `${r.stream}-${n}`;
      const seq = await this.publishOne(r.stream.toLowerCase(), payload);
      if (seq === null) r.failed += 1;
      else {
        r.acked.set(payload, seq);
        r.longestGapMs = Math.max(r.longestGapMs, Date.now() - r.lastAckAt);
        r.lastAckAt = Date.now();
      }
      await sleep(Math.max(0, 1000 / this.perSecond - (Date.now() - started)));
    }
  }

  private async publishOne(subject: string, payload: string): Promise<number | null> {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      try {
        const ack = await this.js.publish(`${subject}.m`, payload, { msgID: payload, timeout: ACK_TIMEOUT_MS });
        return ack.seq;
      } catch {
        await sleep(TRY_PAUSE_MS);
      }
    }
    return null;
  }

  async stop(): Promise<StreamRecord[]> {
    this.running = false;
    await Promise.all(this.loops);
    // A stream that stopped acking has a gap that runs until now.
    for (const r of this.records) r.longestGapMs = Math.max(r.longestGapMs, Date.now() - r.lastAckAt);
    await this.nc.close();
    return this.records;
  }
}

/** The test's streams: an R3 file stream and an R3 memory stream, each with an R3 durable consumer. */
export async function createReplicatedStreams(servers: string[], auth: ConnectionOptions = {}): Promise<string[]> {
  const nc = await connect({ servers, maxReconnectAttempts: -1, ...auth });
  try {
    // Each call is tried again until the deadline: right after the cluster forms, the meta leader can leave a
    // request unanswered for seconds under CI's load (a 10 s timeout ran out in a CI run), and a fresh meta
    // leader may not have heard from every peer yet ("no suitable peers for placement": on 2.10 past 30 s).
    const jsm = await eventually('the JetStream API to answer', () => jetstreamManager(nc, { timeout: 10_000 }), 90_000);
    for (const [name, storage] of [
      ['FILE', 'file'],
      ['MEM', 'memory'],
    ] as const) {
      const config = { name, subjects: [`${name.toLowerCase()}.>`], num_replicas: 3, storage: storage as never, duplicate_window: 120_000_000_000 };
      await eventually(`stream ${name} created`, () => jsm.streams.add(config).then(() => true), 90_000);
      const reader = { durable_name: 'READER', ack_policy: 'explicit' as never };
      await eventually(`consumer READER on ${name} created`, () => jsm.consumers.add(name, reader).then(() => true), 90_000);
    }
  } finally {
    await nc.close();
  }
  return ['FILE', 'MEM'];
}

const NOT_THERE = Symbol('not there');

function readBack(jsm: JetStreamManager, stream: string, seq: number): Promise<StoredMsg | typeof NOT_THERE> {
  return eventually(`${stream} message ${seq} read back`, () => jsm.streams.getMessage(stream, { seq }).then((m) => m ?? NOT_THERE), 30_000);
}

/** Which acked messages the stream no longer holds, read back through the stream's leader. */
export async function missingAcked(servers: string[], record: StreamRecord, auth: ConnectionOptions = {}): Promise<number[]> {
  const nc = await connect({ servers, maxReconnectAttempts: -1, ...auth });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5000, checkAPI: false });
    // A stream without a leader answers nothing: after a minute its messages count as gone.
    const answers = await eventually(
      `${record.stream} to answer`,
      () =>
        jsm.streams.info(record.stream).then(
          () => true,
          () => false,
        ),
      60_000,
    ).then(
      () => true,
      () => false,
    );
    if (!answers) return [...record.acked.values()];
    const missing: number[] = [];
    // The client answers null for a message the stream does not hold (lost); an error (a timeout under load) is
    // asked again for 30 s, after which the stream counts as having stopped answering and the rest as gone.
    let answering = true;
    for (const [payload, seq] of record.acked) {
      const msg: StoredMsg | typeof NOT_THERE | null = answering ? await readBack(jsm, record.stream, seq).catch(() => null) : null;
      answering &&= msg !== null;
      if (msg === null || msg === NOT_THERE || msg.string() !== payload) missing.push(seq);
    }
    return missing;
  } finally {
    await nc.close();
  }
}

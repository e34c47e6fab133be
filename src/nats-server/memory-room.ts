import { MIB, mib, type GoMemLimit } from './memory-limit.js';
import { parseGoMemLimit } from './go-byte-count.js';

/**
 * The smallest memory limit (swap off) the image served in: the supervisor and nats-server with JetStream
 * started, answered /healthz and acked messages to a file and a memory stream; at 42 MiB the container was
 * OOM-killed at start (docs/image.md: The smallest container).
 */
export const MIN_CONTAINER_BYTES = 44 * MIB;
/** The heap nats-server with JetStream uses idle (its RSS: 20–21 MiB), with room to work: a GOMEMLIMIT below it thrashes. */
export const SERVER_HEAP_FLOOR_BYTES = 32 * MIB;

export interface MemoryRoom {
  /** The container cannot run nats-server beside the supervisor: a bad setting, exit 2. */
  tooSmall: string | null;
  /** It runs, but nats-server's heap has less room than it uses idle. */
  tight: string | null;
}

const WHERE = "docker run --memory, or the pod's resources.limits.memory";

/** The container's memory limit against what the supervisor and nats-server need (docs/contract.md: Memory). */
export function memoryRoom(memory: GoMemLimit, percent: number | null): MemoryRoom {
  const { containerBytes, supervisorBytes } = memory;
  if (containerBytes !== null && containerBytes < MIN_CONTAINER_BYTES) {
    return {
      tooSmall:
        `the container's limit is ${mib(containerBytes)}, and the supervisor with nats-server and JetStream needs at least ` +
        `${mib(MIN_CONTAINER_BYTES)} to start (it is OOM-killed below that); give the container more (${WHERE}), 256 MiB or more for real loads`,
      tight: null,
    };
  }
  const heap = memory.value === null ? Infinity : (parseGoMemLimit(memory.value) ?? Infinity);
  if (heap >= SERVER_HEAP_FLOOR_BYTES) return { tooSmall: null, tight: null };
  const enough = supervisorBytes + (SERVER_HEAP_FLOOR_BYTES * 100) / (percent ?? 100);
  const raise = memory.source === 'container' ? `give the container at least ${mib(enough)} (${WHERE})` : 'raise GOMEMLIMIT';
  return {
    tooSmall: null,
    tight:
      `GOMEMLIMIT ${memory.value} (${memory.detail}) is below the ${mib(SERVER_HEAP_FLOOR_BYTES)} nats-server with JetStream ` +
      `works in: Go will collect garbage almost without pause; ${raise}`,
  };
}

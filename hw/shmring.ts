/**
 * Shared-memory rings between cores (the x86 port of the messaging layer):
 * the same {@link Transport} semantics as the NoC, with the timing of cache
 * line transfers through a coherent shared cache instead of mesh links.
 *
 * Timing: a message of `words` 8-byte words occupies ceil(words * 8 / 64)
 * cache lines. Its latency is {@link SHM_MESSAGE_LATENCY} for the first line
 * (the consumer's miss on the producer's line: "shared memory > 40 ns",
 * docs/PAPER.md) plus {@link SHM_EXTRA_LINE_LATENCY} for each further line
 * (subsequent lines stream behind the first). Messages from one core to
 * another arrive in send order (a later, shorter message never overtakes).
 * Each (destination, queue) is a bounded ring with the back-pressure rules of
 * {@link QueuedTransport}.
 */
import type { Scheduler } from "../core/scheduler.ts";
import { NS, type Time } from "../core/time.ts";
import { QueuedTransport } from "./transport.ts";

/** Latency of a one-line message between cores: "shared memory > 40 ns" (docs/PAPER.md, slides "Many core TileGX"). */
export const SHM_MESSAGE_LATENCY: Time = 40 * NS;
/** Each further cache line of a message. Approximation (pipelined line transfers), to be calibrated in docs/CALIBRATION.md. */
export const SHM_EXTRA_LINE_LATENCY: Time = 5 * NS;
/** Bytes per word (64-bit words, as on the NoC). */
export const WORD_BYTES = 8;
/** Bytes per cache line on x86. */
export const CACHE_LINE_BYTES = 64;
/** Rings per core; the same count as the UDN's demux queues so both transports are interchangeable. */
export const SHM_QUEUES = 4;
/** Words per ring: the same capacity as a UDN demux queue (approximation). */
export const SHM_QUEUE_WORDS = 128;

export interface ShmRingConfig {
  /** Latency of a message that fits one cache line (default {@link SHM_MESSAGE_LATENCY}). */
  readonly messageLatency?: Time;
  /** Added latency per further cache line (default {@link SHM_EXTRA_LINE_LATENCY}). */
  readonly extraLineLatency?: Time;
  readonly queues?: number;
  readonly queueWords?: number;
}

function nonNegInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0) {
    throw new RangeError(`shmring: ${name} must be a non-negative integer, got ${v}`);
  }
  return v;
}

export class ShmRingTransport extends QueuedTransport {
  readonly messageLatency: Time;
  readonly extraLineLatency: Time;
  /** Arrival time of the last message per (src, dst) pair, to keep pairs in order. */
  private readonly lastArrival: Float64Array;

  constructor(sched: Scheduler, cores: number, cfg: ShmRingConfig = {}) {
    super(sched, `shmring(${cores})`, cores, {
      queues: cfg.queues ?? SHM_QUEUES,
      queueWords: cfg.queueWords ?? SHM_QUEUE_WORDS,
    });
    this.messageLatency = nonNegInt(cfg.messageLatency ?? SHM_MESSAGE_LATENCY, "messageLatency");
    this.extraLineLatency = nonNegInt(
      cfg.extraLineLatency ?? SHM_EXTRA_LINE_LATENCY,
      "extraLineLatency",
    );
    this.lastArrival = new Float64Array(cores * cores);
  }

  latency(src: number, dst: number, words: number): Time {
    this.checkEndpoint(src);
    this.checkEndpoint(dst);
    const lines = Math.max(1, Math.ceil((words * WORD_BYTES) / CACHE_LINE_BYTES));
    return this.messageLatency + (lines - 1) * this.extraLineLatency;
  }

  protected route(now: Time, src: number, dst: number, words: number): Time {
    const pair = src * this.endpoints + dst;
    const t = Math.max(now + this.latency(src, dst, words), this.lastArrival[pair]);
    this.lastArrival[pair] = t;
    return t;
  }
}

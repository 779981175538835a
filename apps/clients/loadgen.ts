/**
 * What the simulated load generators (apps/wrk/app.ts, apps/mutilate/app.ts)
 * share as applications on an x86 client host:
 *
 * - {@link LoadgenEnv}: the part of a host's application environment they use.
 * - {@link ItemClock}: the time inside a work item and the load generator's
 *   own charges (hw/costs/x86.ts LOADGEN_OPS), so the latency a client
 *   measures includes the client's own request and response work.
 * - {@link CoreIndex}: which application core a {@link SocketApi} belongs to.
 * - {@link TxRing}: a connection's slice of transmit memory, handed out in
 *   send order and reused as `data_acked` arrives; a request that does not
 *   fit waits (copied) until acknowledgements make room.
 */
import { Clock, type Time } from "../../core/time.ts";
import type { WorkContext } from "../../core/work.ts";
import type { WritableMemory } from "../../hw/buffers.ts";
import { X86_COSTS, X86_HOST } from "../../hw/costs/x86.ts";
import { doubleRing, numberSlots, RING_INITIAL_CAPACITY } from "../../core/ring.ts";
import type { SocketApi } from "../api.ts";

/** What a load generator needs from the host's application environment (stack/host/node.ts AppEnv). */
export interface LoadgenEnv {
  readonly tx: WritableMemory;
  /** Dispatch time of the running work item. */
  readonly now: () => Time;
  /** Application cores (each calls `start` once). */
  readonly cores: number;
}

/** Client-side cycles per request formatted and per response parsed. */
export interface LoadgenCosts {
  readonly request: number;
  readonly response: number;
}

/** hw/costs/x86.ts's load-generator ops at the x86 client's clock. */
export const X86_LOADGEN_COSTS: LoadgenCosts = Object.freeze({
  request: X86_COSTS.loadgen_request,
  response: X86_COSTS.loadgen_response,
});

/**
 * Time inside a work item as the load generator sees it: the item's dispatch
 * time plus the cycles the load generator itself has charged in it so far
 * (converted at the client's clock). Charges made by the host before the
 * application runs in the same item (a Linux thread's epoll_wait and read)
 * are not seen, so they fall before the timestamps, as a real client's
 * read() does before it takes its timestamp.
 */
export class ItemClock {
  private readonly clock: Clock;
  private ctx: WorkContext | null = null;
  private at: Time = -1;
  private cycles = 0;

  constructor(private readonly dispatchTime: () => Time, hz: number = X86_HOST.hz) {
    this.clock = new Clock(hz);
  }

  /** Simulated time at the current point of `ctx`'s item. */
  now(ctx: WorkContext): Time {
    this.sync(ctx);
    return this.at + this.clock.cycles(this.cycles);
  }

  /** Charges `cycles` of application work to the item and advances {@link now}. */
  charge(ctx: WorkContext, cycles: number): void {
    this.sync(ctx);
    ctx.charge("app", cycles);
    this.cycles += cycles;
  }

  private sync(ctx: WorkContext): void {
    const t = this.dispatchTime();
    if (ctx !== this.ctx || t !== this.at) {
      this.ctx = ctx;
      this.at = t;
      this.cycles = 0;
    }
  }
}

/** Numbers the application cores of one host in the order their `start` runs. */
export class CoreIndex {
  private readonly cores = new Map<SocketApi, number>();

  /** Registers the core `api` belongs to (from `start`); returns its index. */
  register(api: SocketApi): number {
    let k = this.cores.get(api);
    if (k === undefined) {
      k = this.cores.size;
      this.cores.set(api, k);
    }
    return k;
  }

  /** The index of `api`'s core, or -1 if it never started. */
  of(api: SocketApi): number {
    return this.cores.get(api) ?? -1;
  }

  get size(): number {
    return this.cores.size;
  }
}

/**
 * One connection's transmit memory: `size` bytes at `base` of `mem`, used as
 * a ring in send order. {@link write} copies a request in and returns its
 * offset (or -1 when it does not fit until earlier sends are acknowledged);
 * {@link release} frees everything up to the send tagged `token` (the stack
 * acknowledges one connection's sends in order). Tokens are the ring's own
 * sequence numbers: use the one {@link write} reports in {@link lastToken}.
 */
export class TxRing {
  /** Next free byte (absolute position, grows forever). */
  private tail = 0;
  /** First byte still in flight. */
  private head = 0;
  /** End position of each send in flight, by token. */
  private ends = numberSlots(RING_INITIAL_CAPACITY);
  private mask = RING_INITIAL_CAPACITY - 1;
  private firstToken = 0;
  private nextToken = 0;

  constructor(readonly mem: WritableMemory, readonly base: number, readonly size: number) {
    if (!(size > 0) || base < 0 || base + size > mem.size) {
      throw new RangeError(`tx ring [${base}, ${base + size}) outside ${mem.name} (${mem.size})`);
    }
  }

  /** Token of the last successful {@link write}. */
  get lastToken(): number {
    return this.nextToken - 1;
  }

  /** Sends in flight. */
  get inFlight(): number {
    return this.nextToken - this.firstToken;
  }

  /** Copies `bytes[off, off + len)` in; the offset in `mem`, or -1 if it does not fit now. */
  write(bytes: Uint8Array, off: number, len: number): number {
    if (len > this.size) return -1;
    let start = this.tail;
    const at = start % this.size;
    // A request is never split: skip the ring's end if it does not fit there.
    if (at + len > this.size) start += this.size - at;
    if (start + len - this.head > this.size) return -1;
    const pos = start % this.size;
    this.mem.write(this.base + pos, bytes.subarray(off, off + len));
    this.tail = start + len;
    if (this.nextToken - this.firstToken > this.mask) {
      this.ends = doubleRing(this.ends, this.firstToken, this.nextToken, numberSlots);
      this.mask = this.ends.length - 1;
    }
    this.ends[this.nextToken++ & this.mask] = this.tail;
    return this.base + pos;
  }

  /** The send tagged `token` and all before it are acknowledged. */
  release(token: number): void {
    while (this.firstToken <= token && this.firstToken < this.nextToken) {
      this.head = this.ends[this.firstToken++ & this.mask];
    }
  }

  /** Forgets everything in flight (the connection is gone). */
  clear(): void {
    this.head = this.tail;
    this.firstToken = this.nextToken;
  }
}

/**
 * NetPIPE (ping-pong) server and client on the socket layer.
 *
 * One connection; for each message size of the schedule the client sends a
 * message, the server receives all of it and sends a message of the same size
 * back, the client receives all of it; repeated `reps` times per size after
 * `warmup` untimed exchanges. One-way latency is half the round trip, as
 * NetPIPE reports it; throughput is message bits over that one-way time.
 *
 * Two variants, as in the paper: "copy" copies every received message into
 * the app's transmit memory and sends that copy (reading the receive buffers
 * and charging the copy); "nocopy" sends a preallocated message of the right
 * size from transmit memory without touching the received bytes.
 */
import type { App, ConnRef, SocketApi } from "../api.ts";
import type { WorkContext } from "../../core/work.ts";
import type { Time } from "../../core/time.ts";
import type { Endpoint, SocketEvent } from "../../stack/events.ts";
import type { BufRef, WritableMemory } from "../../hw/buffers.ts";

/**
 * Which NetPIPE variant: "copy" copies each received message before echoing it, "nocopy" does not.
 */
export type NetpipeVariant = "copy" | "nocopy";

/** NetPIPE's default perturbation: each power of two is also run at +-3 bytes. */
export const NETPIPE_PERTURBATION = 3;
/** The paper's TCP port is not stated; NetPIPE's default data port. */
export const NETPIPE_PORT = 5002;

/** Cycles the app spends per message on bookkeeping (approximation; see docs/CALIBRATION.md). */
export const NETPIPE_MSG_CYCLES = 200;
/** Cycles per byte for a CPU copy (approximation: ~8 bytes/cycle memcpy; see docs/CALIBRATION.md). */
export const NETPIPE_COPY_CYCLES_PER_BYTE = 0.125;

/**
 * NetPIPE's schedule: powers of two from 1 to `max` bytes, each also at
 * -perturbation and +perturbation (when positive and distinct), ascending.
 */
export function netpipeSizes(max: number, perturbation = NETPIPE_PERTURBATION): number[] {
  const out = new Set<number>();
  for (let p = 1; p <= max; p *= 2) {
    for (const n of [p - perturbation, p, p + perturbation]) {
      if (n >= 1 && n <= max) out.add(n);
    }
  }
  return [...out].sort((a, b) => a - b);
}

export interface NetpipeConfig {
  readonly sizes: readonly number[];
  readonly reps: number;
  readonly warmup: number;
  readonly variant: NetpipeVariant;
  /** The app's own transmit memory (at least max(sizes) bytes). */
  readonly tx: WritableMemory;
  readonly port?: number;
}

/** One message size's measurement. */
export interface NetpipePoint {
  /** Message size in bytes. */
  readonly bytes: number;
  /** Mean one-way latency (half round trip) over the timed repetitions, in ps. */
  readonly oneWay: Time;
  /** Smallest one-way latency over the timed repetitions, in ps. */
  readonly minOneWay: Time;
  /** Timed repetitions the figures are over. */
  readonly reps: number;
}

/** State shared by both ends: counting received bytes of the current message. */
abstract class PingPong implements App {
  protected conn: ConnRef | null = null;
  protected received = 0;
  protected step = 0; // index into the flattened exchange list
  /**
   * The schedule, as counters rather than a list of every exchange: each size
   * (in order) for `perSize` exchanges (warm-up then timed), `total` in all.
   */
  private readonly sizes: readonly number[];
  private readonly perSize: number = 0;
  private readonly total: number = 0;
  /** Index into `sizes` of the current exchange, and the step where its size ends. */
  private sizeIdx = 0;
  private sizeEnd = 0;
  private readonly maxSize: number = 0;
  /** The references sendCurrent last sent (immutable; reused while the size stays the same). */
  private sendRefs: readonly BufRef[] = [];

  protected readonly cfg: NetpipeConfig;

  // No constructor parameter properties (here or in subclasses): with them
  // Deno declares every field undefined first and V8 boxes the numeric ones.
  constructor(cfg: NetpipeConfig) {
    this.cfg = cfg;
    if (cfg.sizes.length === 0) throw new Error("netpipe: no message sizes");
    if (!(cfg.reps >= 1) || !(cfg.warmup >= 0)) throw new Error("netpipe: reps >= 1, warmup >= 0");
    for (const n of cfg.sizes) {
      if (!Number.isInteger(n) || n < 1) throw new Error(`netpipe: bad message size ${n}`);
    }
    this.sizes = [...cfg.sizes];
    // Exchanges per size: as many as `for (i = 0; i < warmup + reps; i++)` runs.
    this.perSize = Math.ceil(cfg.warmup + cfg.reps);
    this.total = this.perSize * this.sizes.length;
    this.sizeEnd = this.perSize;
    this.maxSize = Math.max(...cfg.sizes);
    if (cfg.tx.size < this.maxSize) {
      throw new Error(
        `netpipe: transmit memory ${cfg.tx.size} B < largest message ${this.maxSize} B`,
      );
    }
  }

  abstract start(ctx: WorkContext, api: SocketApi): void;
  abstract onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void;

  /** Size of the current exchange, or 0 when the plan is done. */
  protected get current(): number {
    return this.step < this.total ? this.sizes[this.sizeIdx] : 0;
  }

  protected get done(): boolean {
    return this.step >= this.total;
  }

  /** True when exchange `step` is a timed one (not warm-up). */
  protected isTimed(step: number): boolean {
    return step % (this.cfg.warmup + this.cfg.reps) >= this.cfg.warmup;
  }

  /**
   * Takes one new_data event: in the copy variant its bytes are copied into
   * transmit memory at their offset in the message as they arrive (so copying
   * overlaps with the rest of the message arriving, as NetPIPE's receive loop
   * does); either way the receive buffers are released at once. Returns true
   * when the current message is complete.
   */
  protected receive(
    ctx: WorkContext,
    api: SocketApi,
    ev: Extract<SocketEvent, { kind: "new_data" }>,
  ): boolean {
    if (this.cfg.variant === "copy") {
      let off = this.received;
      const end = Math.min(this.current, this.cfg.tx.size);
      for (const r of ev.refs) {
        const len = Math.min(r.len, end - off);
        if (len <= 0) break;
        this.cfg.tx.write(off, r.mem.read(r.off, len));
        off += len;
      }
      ctx.charge("copy", ev.bytes * NETPIPE_COPY_CYCLES_PER_BYTE);
    }
    api.recvDone(this.conn!, ev.rxId);
    this.received += ev.bytes;
    return this.received >= this.current;
  }

  /** Sends the current message from transmit memory (it holds the received copy in "copy"). */
  protected sendCurrent(ctx: WorkContext, api: SocketApi): void {
    ctx.charge("app", NETPIPE_MSG_CYCLES);
    const n = this.current;
    // Every message of a size is the same bytes of transmit memory; buffer
    // references are read-only, so one list per size serves all its sends.
    if (this.sendRefs.length === 0 || this.sendRefs[0].len !== n) {
      this.sendRefs = [{ mem: this.cfg.tx, off: 0, len: n }];
    }
    api.send(this.conn!, this.sendRefs, this.step);
  }

  /** Moves to the next exchange. */
  protected advance(): void {
    this.received -= this.current;
    this.step++;
    if (this.step === this.sizeEnd) {
      this.sizeIdx++;
      this.sizeEnd += this.perSize;
    }
  }
}

/** The echoing end. */
export class NetpipeServer extends PingPong {
  start(_ctx: WorkContext, api: SocketApi): void {
    api.listen(this.cfg.port ?? NETPIPE_PORT, 1);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    switch (ev.kind) {
      case "new_conn":
        if (this.conn === null) {
          this.conn = { stack, conn: ev.conn };
          api.accept(this.conn);
        } else {
          api.accept({ stack, conn: ev.conn });
          api.close({ stack, conn: ev.conn });
        }
        return;
      case "new_data":
        if (this.conn === null || ev.conn !== this.conn.conn || stack !== this.conn.stack) return;
        if (!this.receive(ctx, api, ev)) return;
        this.sendCurrent(ctx, api);
        this.advance();
        return;
      case "remote_closed":
        if (this.conn !== null) api.close(this.conn);
        return;
      case "cleanup":
        if (this.conn !== null && ev.conn === this.conn.conn) this.conn = null;
        return;
      default:
        return;
    }
  }
}

/** The timing end: connects, sends, measures round trips. */
export class NetpipeClient extends PingPong {
  private sentAt: Time = 0;
  private readonly samples = new Map<number, Time[]>();
  /** The list the round trip recorded by the running item goes to (see {@link recordRtt}). */
  private rttList: Time[] | null = null;
  /** The message size whose samples {@link rttList} holds. */
  private rttListSize = 0;
  /** Called once when the schedule is complete. */
  onDone: ((t: Time) => void) | null = null;

  private readonly server: Endpoint;

  constructor(cfg: NetpipeConfig, server: Endpoint) {
    super(cfg);
    this.server = server;
  }

  private started = false;

  start(_ctx: WorkContext, api: SocketApi): void {
    // start() runs on every application core; NetPIPE uses one connection.
    if (this.started) return;
    this.started = true;
    api.connect(this.server, 0);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    switch (ev.kind) {
      case "connected":
        this.conn = { stack, conn: ev.conn };
        this.sendNext(ctx, api);
        return;
      case "new_data": {
        if (this.conn === null || ev.conn !== this.conn.conn) return;
        if (!this.receive(ctx, api, ev)) return;
        const n = this.current;
        ctx.charge("app", NETPIPE_MSG_CYCLES);
        if (this.isTimed(this.step)) {
          // The list of the size in hand is kept: look the map up only when the size changes.
          if (this.rttList === null || this.rttListSize !== n) {
            let list = this.samples.get(n);
            if (list === undefined) this.samples.set(n, list = []);
            this.rttList = list;
            this.rttListSize = n;
          }
          ctx.then(this.recordRtt);
        }
        this.advance();
        if (this.done) {
          api.close(this.conn);
          ctx.then((t) => this.onDone?.(t));
        } else {
          this.sendNext(ctx, api);
        }
        return;
      }
      case "cleanup":
        if (this.conn !== null && ev.conn === this.conn.conn) this.conn = null;
        return;
      default:
        return;
    }
  }

  /** Results per size, ascending (only sizes with complete timed samples). */
  results(): NetpipePoint[] {
    const out: NetpipePoint[] = [];
    for (const n of [...this.samples.keys()].sort((a, b) => a - b)) {
      const rtts = this.samples.get(n)!;
      if (rtts.length === 0) continue;
      let sum = 0;
      let min = Infinity;
      for (let i = 0; i < rtts.length; i++) {
        const r = rtts[i];
        sum += r;
        if (r < min) min = r;
      }
      out.push({
        bytes: n,
        oneWay: Math.round(sum / rtts.length / 2),
        minOneWay: Math.round(min / 2),
        reps: rtts.length,
      });
    }
    return out;
  }

  get finished(): boolean {
    return this.done;
  }

  private sendNext(ctx: WorkContext, api: SocketApi): void {
    ctx.then(this.markSent);
    this.sendCurrent(ctx, api);
  }

  // Callbacks made once per client, not one closure per round trip.

  /** Marks when the current message leaves (its point in the sending item). */
  private readonly markSent = (t: Time): void => {
    this.sentAt = t;
  };

  /**
   * Records the round trip that ends at `t`. `sentAt` still holds its start:
   * the send's mark ran before this reply could be handled (one connection,
   * one core, items in order), and the next send's mark is recorded after this.
   */
  private readonly recordRtt = (t: Time): void => {
    this.rttList!.push(t - this.sentAt);
  };
}

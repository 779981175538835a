/**
 * A simple closed-loop client on the socket layer: opens N connections, sends
 * each connection's setup requests and then the same request over and over,
 * one outstanding request per connection, and checks every response's
 * framing. It runs on a simulated board like the server (the paper's wrk and
 * mutilate load generators on x86 hosts are modeled separately).
 */
import type { App, ConnRef, SocketApi } from "../api.ts";
import type { WorkContext } from "../../core/work.ts";
import type { Time } from "../../core/time.ts";
import { LatencyHistogram } from "../../core/stats.ts";
import type { BufRef, WritableMemory } from "../../hw/buffers.ts";
import type { Endpoint, SocketEvent } from "../../stack/events.ts";

/** How a protocol's responses are delimited. */
export interface ClientProtocol {
  readonly name: string;
  /** Requests sent once per connection before the measured loop (e.g. memcached `set`). */
  readonly setup: readonly Uint8Array[];
  /** The request repeated in the loop. */
  readonly request: Uint8Array;
  /**
   * Length of the complete response at the start of `buf` (first `len`
   * bytes), 0 when incomplete, -1 when the bytes cannot be a response.
   */
  frame(buf: Uint8Array, len: number): number;
}

/** Client-side cycles per request and response handled (approximation: a lean load generator). */
export const CLIENT_REQUEST_CYCLES = 300;
/** Client-side cycles per response byte parsed/copied (approximation). */
export const CLIENT_BYTE_CYCLES = 0.25;
/** Initial per-connection receive accumulator size; it grows as needed. */
const INITIAL_RX_BYTES = 4096;

export interface ClosedLoopConfig {
  readonly server: Endpoint;
  readonly connections: number;
  /** Loop requests per connection (after its setup requests). */
  readonly requests: number;
  readonly protocol: ClientProtocol;
  readonly tx: WritableMemory;
  /** Application cores the client runs on (each calls start once). */
  readonly cores: number;
}

interface ClientConn {
  ref: ConnRef | null;
  buf: Uint8Array;
  len: number;
  /** Requests sent so far (setup first). */
  sent: number;
  sentAt: Time;
  done: boolean;
}

export class ClosedLoopClient implements App {
  /** Loop responses completed (setup responses are not counted). */
  completed = 0;
  /** Responses that could not be framed (the connection is closed). */
  errors = 0;
  /** Connections that could not be opened (refused or timed out). */
  failedConnects = 0;
  /** Latency of loop requests (send to complete response). */
  readonly latency = new LatencyHistogram();
  /** The first response of each request kind (setup i, then the loop request), for comparisons. */
  readonly firstResponses: (Uint8Array | null)[];
  /** Time the first loop request was sent and the last loop response arrived. */
  firstSend: Time = -1;
  lastResponse: Time = -1;
  onDone: ((t: Time) => void) | null = null;

  private readonly conns: ClientConn[] = [];
  private readonly byRef = new Map<number, ClientConn>();
  private readonly reqRefs: BufRef[] = [];
  private startCalls = 0;
  private connected = 0;
  private finishedConns = 0;

  constructor(private readonly cfg: ClosedLoopConfig) {
    if (!(cfg.connections >= 1) || !(cfg.requests >= 1)) {
      throw new Error("closed-loop client: connections and requests must be >= 1");
    }
    const all = [...cfg.protocol.setup, cfg.protocol.request];
    let off = 0;
    for (const r of all) {
      if (off + r.length > cfg.tx.size) {
        throw new Error("closed-loop client: transmit memory too small");
      }
      cfg.tx.write(off, r);
      this.reqRefs.push({ mem: cfg.tx, off, len: r.length });
      off += r.length;
    }
    this.firstResponses = all.map(() => null);
    for (let i = 0; i < cfg.connections; i++) {
      this.conns.push({
        ref: null,
        buf: new Uint8Array(INITIAL_RX_BYTES),
        len: 0,
        sent: 0,
        sentAt: 0,
        done: false,
      });
    }
  }

  get finished(): boolean {
    return this.finishedConns === this.conns.length;
  }

  start(_ctx: WorkContext, api: SocketApi): void {
    // start() runs once on each of the `cores` application cores: the k-th call
    // opens connections k, k + cores, ... so the load spreads over the client's cores.
    const k = this.startCalls++;
    for (let i = k; i < this.conns.length; i += this.cfg.cores) api.connect(this.cfg.server, i);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    switch (ev.kind) {
      case "connected": {
        // Connections are paired with slots in the order they complete.
        const c = this.conns[this.connected++];
        if (c === undefined) return;
        c.ref = { stack, conn: ev.conn };
        this.byRef.set(key(stack, ev.conn), c);
        this.sendNext(ctx, api, c);
        return;
      }
      case "new_data": {
        const c = this.byRef.get(key(stack, ev.conn));
        if (c === undefined) {
          api.recvDone({ stack, conn: ev.conn }, ev.rxId);
          return;
        }
        for (const r of ev.refs) this.append(c, r.mem.read(r.off, r.len));
        ctx.charge("app", ev.bytes * CLIENT_BYTE_CYCLES);
        api.recvDone(c.ref!, ev.rxId);
        this.drain(ctx, api, c);
        return;
      }
      case "cleanup": {
        const c = this.byRef.get(key(stack, ev.conn));
        if (c !== undefined) {
          if (!c.done) this.finish(ctx, c);
          this.byRef.delete(key(stack, ev.conn));
        } else if (ev.reason === "refused" || ev.reason === "timeout") {
          // An active open that failed: it takes the next unconnected slot.
          const slot = this.conns[this.connected++];
          if (slot !== undefined) {
            this.failedConnects++;
            this.finish(ctx, slot);
          }
        }
        return;
      }
      default:
        return;
    }
  }

  private append(c: ClientConn, bytes: Uint8Array): void {
    if (c.len + bytes.length > c.buf.length) {
      const bigger = new Uint8Array(Math.max(c.buf.length * 2, c.len + bytes.length));
      bigger.set(c.buf.subarray(0, c.len));
      c.buf = bigger;
    }
    c.buf.set(bytes, c.len);
    c.len += bytes.length;
  }

  /** Takes every complete response off the accumulator. */
  private drain(ctx: WorkContext, api: SocketApi, c: ClientConn): void {
    while (!c.done && c.len > 0) {
      const n = this.cfg.protocol.frame(c.buf, c.len);
      if (n === 0) return;
      if (n < 0) {
        this.errors++;
        api.close(c.ref!);
        this.finish(ctx, c);
        return;
      }
      const kind = Math.min(c.sent - 1, this.reqRefs.length - 1);
      if (this.firstResponses[kind] === null) this.firstResponses[kind] = c.buf.slice(0, n);
      c.buf.copyWithin(0, n, c.len);
      c.len -= n;
      ctx.charge("app", CLIENT_REQUEST_CYCLES);
      if (kind === this.reqRefs.length - 1) {
        this.completed++;
        const start = c.sentAt;
        ctx.then((t) => {
          this.latency.record(t - start);
          this.lastResponse = t;
        });
      }
      if (c.sent >= this.cfg.protocol.setup.length + this.cfg.requests) {
        api.close(c.ref!);
        this.finish(ctx, c);
        return;
      }
      this.sendNext(ctx, api, c);
    }
  }

  private sendNext(ctx: WorkContext, api: SocketApi, c: ClientConn): void {
    const kind = Math.min(c.sent, this.reqRefs.length - 1);
    ctx.charge("app", CLIENT_REQUEST_CYCLES);
    ctx.then((t) => {
      c.sentAt = t;
      if (kind === this.reqRefs.length - 1 && this.firstSend < 0) this.firstSend = t;
    });
    api.send(c.ref!, [this.reqRefs[kind]], c.sent);
    c.sent++;
  }

  private finish(ctx: WorkContext, c: ClientConn): void {
    c.done = true;
    this.finishedConns++;
    if (this.finished) ctx.then((t) => this.onDone?.(t));
  }
}

function key(stack: number, conn: number): number {
  return stack * 0x1_0000_0000 + conn;
}

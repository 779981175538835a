/**
 * Two TcpLayers connected back to back in memory, with as little machinery
 * as possible between them (for benchmarks and throughput tests): segments
 * go into a FIFO of pooled header records, payload references pass through
 * without copying (a segment gathered from several references is copied
 * once, like a NIC's egress DMA would), and a simple clock advances a fixed
 * step per delivered segment so timers run. No scheduler, no IP layer.
 */
import { Bytes, SharedRx } from "../buf.ts";
import type { BufRef, RxBuffer } from "../../hw/buffers.ts";
import { type Accounting, FREE_ACCOUNTING } from "../accounting.ts";
import type { ConnId, SocketEvent } from "../events.ts";
import type { Ipv4Addr } from "../wire/ipv4.ts";
import { makeTcpRepr, type TcpRepr } from "../wire/tcp.ts";
import { Rng } from "../../core/rng.ts";
import { NS, type Time } from "../../core/time.ts";
import type { TcpLayerHost } from "./api.ts";
import { type TcpConfig, TcpLayer } from "./layer.ts";

/** Simulated time per delivered segment (an arbitrary small "wire" step). */
const STEP: Time = 100 * NS;
const NO_REFS: readonly BufRef[] = [];

function copyInto(d: TcpRepr, s: TcpRepr): void {
  d.srcPort = s.srcPort;
  d.dstPort = s.dstPort;
  d.seq = s.seq;
  d.ack = s.ack;
  d.flags = s.flags;
  d.window = s.window;
  d.urgent = s.urgent;
  d.mss = s.mss;
  d.windowScale = s.windowScale;
  d.sackPermitted = s.sackPermitted;
  d.sack = s.sack ? s.sack.map((b) => [b[0], b[1]] as const) : null;
  d.tsVal = s.tsVal;
  d.tsEcr = s.tsEcr;
  d.payloadLen = s.payloadLen;
}

/** A receive buffer that counts its releases (no pool behind it). */
class MemRx implements RxBuffer {
  constructor(readonly ref: BufRef, private readonly end: MemEnd) {}
  release(): void {
    this.end.liveRx--;
  }
}

/** One side of the pair: the TcpLayerHost of one layer. */
export class MemEnd implements TcpLayerHost {
  readonly layer: TcpLayer;
  peer!: MemEnd;
  /** Called for every event; the default accepts and releases at once. */
  onEvent: (ev: SocketEvent, end: MemEnd) => void = defaultHandler;
  liveRx = 0;
  dataSegmentsIn = 0;
  bytesIn = 0;
  lastConn: ConnId = 0;

  constructor(
    readonly pair: MemPair,
    readonly addr: Ipv4Addr,
    cfg: Partial<TcpConfig>,
    seed: number,
    readonly acct: Accounting,
  ) {
    this.layer = new TcpLayer(this, cfg, new Rng(seed, `mem-${addr}`), addr);
  }

  output(_now: Time, _src: Ipv4Addr, _dst: Ipv4Addr, repr: TcpRepr, payload: readonly BufRef[]) {
    this.pair.enqueue(this.peer, repr, payload);
  }

  event(ev: SocketEvent): void {
    if (ev.kind === "new_data") {
      this.dataSegmentsIn++;
      this.bytesIn += ev.bytes;
    }
    this.onEvent(ev, this);
  }

  /** @internal */
  deliver(now: Time, repr: TcpRepr, ref: BufRef): void {
    this.liveRx++;
    const rx = new SharedRx(new MemRx(ref, this));
    this.layer.input(now, this.peer.addr, this.addr, repr, ref, rx);
    rx.release();
  }
}

function defaultHandler(ev: SocketEvent, end: MemEnd): void {
  if (ev.kind === "new_conn") {
    end.layer.accept(ev.conn);
    end.lastConn = ev.conn;
  } else if (ev.kind === "connected") {
    end.lastConn = ev.conn;
  } else if (ev.kind === "new_data") {
    end.layer.recvDone(ev.conn, ev.rxId);
  }
}

export class MemPair {
  now: Time = 0;
  readonly a: MemEnd;
  readonly b: MemEnd;
  // FIFO of (destination, repr, payload) as a ring of pooled slots.
  private dest: MemEnd[] = [];
  private reprs: TcpRepr[] = [];
  private refs: BufRef[] = [];
  private head = 0;
  private tail = 0;
  private cap = 0;
  delivered = 0;

  constructor(
    cfgA: Partial<TcpConfig> = {},
    cfgB: Partial<TcpConfig> = cfgA,
    seed = 1,
    acct: Accounting = FREE_ACCOUNTING,
  ) {
    this.a = new MemEnd(this, 0x0a000001, cfgA, seed, acct);
    this.b = new MemEnd(this, 0x0a000002, cfgB, seed, acct);
    this.a.peer = this.b;
    this.b.peer = this.a;
    this.grow(256);
  }

  private grow(n: number): void {
    const dest: MemEnd[] = [], reprs: TcpRepr[] = [], refs: BufRef[] = [];
    const count = this.tail - this.head;
    for (let i = 0; i < count; i++) {
      const j = (this.head + i) % this.cap;
      dest.push(this.dest[j]);
      reprs.push(this.reprs[j]);
      refs.push(this.refs[j]);
    }
    for (let i = count; i < n; i++) {
      dest.push(this.a);
      reprs.push(makeTcpRepr());
      refs.push(EMPTY_REF);
    }
    this.dest = dest;
    this.reprs = reprs;
    this.refs = refs;
    this.head = 0;
    this.tail = count;
    this.cap = n;
  }

  /** @internal */
  enqueue(to: MemEnd, repr: TcpRepr, payload: readonly BufRef[]): void {
    if (this.tail - this.head === this.cap) this.grow(this.cap * 2);
    const i = this.tail % this.cap;
    this.dest[i] = to;
    copyInto(this.reprs[i], repr);
    let ref: BufRef;
    if (payload.length === 0) ref = EMPTY_REF;
    else if (payload.length === 1) ref = payload[0];
    else {
      // gather once (egress DMA of a multi-descriptor frame)
      let n = 0;
      for (const p of payload) n += p.len;
      const out = new Uint8Array(n);
      let o = 0;
      for (const p of payload) {
        out.set(p.mem.read(p.off, p.len), o);
        o += p.len;
      }
      ref = { mem: new Bytes(out), off: 0, len: n };
    }
    this.refs[i] = ref;
    this.tail++;
  }

  /** Delivers queued segments (and runs due timers) until nothing is left or `maxSegments`. */
  pump(maxSegments = Infinity): number {
    let n = 0;
    while (this.head < this.tail && n < maxSegments) {
      const i = this.head % this.cap;
      this.head++;
      this.now += STEP;
      this.dest[i].deliver(this.now, this.reprs[i], this.refs[i]);
      this.refs[i] = EMPTY_REF;
      n++;
      this.runTimers();
    }
    if (this.head === this.tail) this.head = this.tail = 0;
    this.delivered += n;
    return n;
  }

  /** Runs both layers' due timers at the current time. */
  runTimers(): void {
    if (this.a.layer.nextDeadline() <= this.now) this.a.layer.poll(this.now);
    if (this.b.layer.nextDeadline() <= this.now) this.b.layer.poll(this.now);
  }

  /** Advances the clock by `dt`, running timers, pumping whatever they send. */
  advance(dt: Time): void {
    const end = this.now + dt;
    for (;;) {
      const next = Math.min(this.a.layer.nextDeadline(), this.b.layer.nextDeadline());
      if (next > end) break;
      this.now = Math.max(this.now, next);
      this.runTimers();
      this.pump();
    }
    this.now = Math.max(this.now, end);
  }

  get queued(): number {
    return this.tail - this.head;
  }

  /** Opens a connection a -> b:port; returns [a's conn, b's conn]. */
  open(port: number): [ConnId, ConnId] {
    this.b.layer.listen(port, 1024);
    const ca = this.a.layer.connect(this.now, this.a.addr, { addr: this.b.addr, port });
    this.pump();
    return [ca, this.b.lastConn];
  }
}

const EMPTY_REF: BufRef = { mem: new Bytes(new Uint8Array(0)), off: 0, len: 0 };
void NO_REFS;

/**
 * Test support: two (or more) TcpLayers wired back to back through an
 * in-memory "wire" on the scheduler, with a per-segment filter for loss and
 * inspection, receive buffers whose releases are counted (to catch leaks),
 * and a small application model (auto-accept, auto-release, byte collection).
 * Not used by the model itself.
 */
import { gather, refOf, SharedRx } from "../buf.ts";
import type { BufRef } from "../../hw/buffers.ts";
import { CountingAccounting } from "../accounting.ts";
import type { ConnId, SocketEvent } from "../events.ts";
import type { Ipv4Addr } from "../wire/ipv4.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import { Rng } from "../../core/rng.ts";
import { Scheduler } from "../../core/scheduler.ts";
import { type Time, US } from "../../core/time.ts";
import type { TcpLayerHost } from "./api.ts";
import { type TcpConfig, TcpLayer } from "./layer.ts";

/** One segment as it crossed the test wire. */
export interface WireSeg {
  readonly t: Time;
  readonly from: TestHost;
  readonly to: TestHost;
  readonly repr: TcpRepr;
  readonly data: Uint8Array;
}

/** What the filter does with a segment. */
export type Verdict = "pass" | "drop";

/** Default one-way wire delay in tests: 10 us. */
export const TEST_DELAY: Time = 10 * US;

function copyRepr(r: TcpRepr): TcpRepr {
  return { ...r, sack: r.sack ? r.sack.map((b) => [b[0], b[1]] as const) : r.sack };
}

export class TestHost implements TcpLayerHost {
  readonly acct = new CountingAccounting();
  readonly layer: TcpLayer;
  readonly events: SocketEvent[] = [];
  /** Bytes received per connection, in order. */
  readonly received = new Map<ConnId, Uint8Array[]>();
  /** Deliveries not yet released (when autoRelease is off). */
  readonly held: { conn: ConnId; rxId: number; bytes: number }[] = [];
  autoAccept = true;
  autoRelease = true;
  /** Called for each event after the built-in handling. */
  onEvent: ((ev: SocketEvent) => void) | null = null;
  /** Receive buffers handed to this host's layer and not yet returned. */
  liveRx = 0;
  private timerId = 0;
  private timerAt = Infinity;

  constructor(
    readonly net: TestNet,
    readonly addr: Ipv4Addr,
    cfg: Partial<TcpConfig>,
    seed: number,
  ) {
    this.layer = new TcpLayer(this, cfg, new Rng(seed, `tcp-${addr}`), addr);
  }

  output(now: Time, src: Ipv4Addr, dst: Ipv4Addr, repr: TcpRepr, payload: readonly BufRef[]) {
    if (src !== this.addr) throw new Error(`output from wrong address ${src}`);
    const to = this.net.hostByAddr(dst);
    const seg: WireSeg = {
      t: now,
      from: this,
      to: to ?? this,
      repr: copyRepr(repr),
      data: gather(payload),
    };
    if (seg.data.length !== repr.payloadLen) throw new Error("payloadLen mismatch");
    this.net.log.push(seg);
    if (to === undefined) return;
    if (this.net.filter && this.net.filter(seg) === "drop") return;
    if (this.net.loss > 0 && this.net.lossRng.chance(this.net.loss)) return;
    this.net.sched.at(now + this.net.delay, (t: Time, s: WireSeg) => s.to.deliver(t, s), seg);
  }

  deliver(now: Time, seg: WireSeg): void {
    this.liveRx++;
    const ref = refOf(seg.data);
    const rx = new SharedRx({ ref, release: () => this.liveRx-- });
    this.layer.input(now, seg.from.addr, this.addr, seg.repr, ref, rx);
    rx.release();
    this.kick();
  }

  event(ev: SocketEvent): void {
    this.events.push(ev);
    if (ev.kind === "new_conn" && this.autoAccept) this.layer.accept(ev.conn);
    if (ev.kind === "new_data") {
      let chunks = this.received.get(ev.conn);
      if (!chunks) this.received.set(ev.conn, chunks = []);
      chunks.push(gather(ev.refs));
      if (this.autoRelease) this.layer.recvDone(ev.conn, ev.rxId);
      else this.held.push({ conn: ev.conn, rxId: ev.rxId, bytes: ev.bytes });
    }
    this.onEvent?.(ev);
  }

  /** (Re)arms the poll timer at the layer's next deadline. */
  kick(): void {
    const d = this.layer.nextDeadline();
    if (d === this.timerAt) return;
    if (this.timerId) this.net.sched.cancel(this.timerId);
    this.timerId = 0;
    this.timerAt = d;
    if (d === Infinity) return;
    const at = Math.max(d, this.net.sched.now);
    this.timerId = this.net.sched.at(at, (t: Time) => {
      this.timerId = 0;
      this.timerAt = Infinity;
      this.layer.poll(t);
      this.kick();
    });
  }

  get now(): Time {
    return this.net.sched.now;
  }

  connect(peer: TestHost, port: number): ConnId {
    const id = this.layer.connect(this.now, this.addr, { addr: peer.addr, port });
    this.kick();
    return id;
  }

  send(conn: ConnId, data: Uint8Array | BufRef[], token = 0): void {
    const refs = data instanceof Uint8Array ? [refOf(data)] : data;
    this.layer.send(this.now, conn, refs, token);
    this.kick();
  }

  shutdown(conn: ConnId): void {
    this.layer.shutdown(this.now, conn);
    this.kick();
  }

  close(conn: ConnId): void {
    this.layer.close(this.now, conn);
    this.kick();
  }

  /** Releases every held delivery. */
  releaseAll(): void {
    const h = this.held.splice(0);
    for (const x of h) this.layer.recvDone(x.conn, x.rxId, this.now);
    this.kick();
  }

  /** All bytes received on `conn`. */
  bytes(conn: ConnId): Uint8Array {
    const chunks = this.received.get(conn) ?? [];
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  eventsOf(kind: SocketEvent["kind"]): SocketEvent[] {
    return this.events.filter((e) => e.kind === kind);
  }
}

/** Test network addresses: 10.0.0.1 and 10.0.0.2. */
export const ADDR_A = 0x0a000001;
export const ADDR_B = 0x0a000002;

export class TestNet {
  readonly sched = new Scheduler();
  readonly log: WireSeg[] = [];
  readonly hosts: TestHost[] = [];
  delay: Time = TEST_DELAY;
  filter: ((seg: WireSeg) => Verdict) | null = null;
  /** Random loss probability (seeded). */
  loss = 0;
  readonly lossRng: Rng;
  readonly a: TestHost;
  readonly b: TestHost;

  constructor(cfgA: Partial<TcpConfig> = {}, cfgB: Partial<TcpConfig> = cfgA, seed = 1) {
    this.lossRng = new Rng(seed, "test-loss");
    this.a = this.add(ADDR_A, cfgA, seed);
    this.b = this.add(ADDR_B, cfgB, seed);
  }

  add(addr: Ipv4Addr, cfg: Partial<TcpConfig>, seed: number): TestHost {
    const h = new TestHost(this, addr, cfg, seed);
    this.hosts.push(h);
    return h;
  }

  hostByAddr(addr: Ipv4Addr): TestHost | undefined {
    return this.hosts.find((h) => h.addr === addr);
  }

  run(until: Time): void {
    this.sched.runUntil(until);
  }

  runFor(dt: Time): void {
    this.sched.runUntil(this.sched.now + dt);
  }

  /** Segments sent by `h` (optionally only those matching `pred`). */
  sentBy(h: TestHost, pred?: (s: WireSeg) => boolean): WireSeg[] {
    return this.log.filter((s) => s.from === h && (!pred || pred(s)));
  }
}

/** Deterministic test payload: byte i of stream `tag` is a mix of both. */
export function testBytes(len: number, tag = 0): Uint8Array {
  const out = new Uint8Array(len);
  let x = (tag * 2654435761) >>> 0;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

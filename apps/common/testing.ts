/**
 * Test harness for socket-layer applications: a fake {@link SocketApi} that
 * records commands, feeds bytes to the app as `new_data` events over
 * read-only receive buffers, captures what the app sends (gathering the
 * references at send time), acknowledges on demand, and checks the contract:
 *
 * - every receive buffer is released exactly once (and is poisoned after
 *   release, so a late read shows up as corrupted output);
 * - the bytes of a send stay unchanged until the send is acknowledged;
 * - nothing is sent on a connection after the app closed it;
 * - no lock is left held at the end of an event (with {@link CountingContext}).
 *
 * Contract breaches are collected in `violations` rather than thrown, so a test
 * can assert on them.
 *
 * Also here, for the apps' tests: {@link fuzzServer}, the loop of random,
 * mutated and garbage requests every server is put through, and
 * {@link mcFixture}, a memcached server on the harness.
 */
import assert from "node:assert/strict";
import type { Rng } from "../../core/rng.ts";
import type { Time } from "../../core/time.ts";
import type { Category, LockLike, WorkContext } from "../../core/work.ts";
import { Bytes, gather } from "../../stack/buf.ts";
import type { BufRef } from "../../hw/buffers.ts";
import type { CleanupReason, ConnId, Endpoint, SocketEvent } from "../../stack/events.ts";
import type { App, ConnRef, FileOp, SocketApi } from "../api.ts";
import { MemcachedApp } from "../memcached/app.ts";
import type { MemcachedConfig } from "../memcached/config.ts";
import { latin1 } from "./ascii.ts";

/** Byte written over released receive buffers. */
const POISON = 0xee;
/** Address of the fake server (10.0.0.1) and of fake clients (10.0.1.x). */
const SERVER_ADDR = 0x0a000001;
const CLIENT_ADDR = 0x0a000100;
/** First ephemeral port handed to fake clients. */
const CLIENT_PORT_BASE = 40000;

/** A WorkContext that counts lock acquisitions and charged cycles, and checks lock discipline. */
export class CountingContext implements WorkContext {
  time: Time = 0;
  readonly acquisitions = new Map<string, number>();
  readonly cycles = new Map<Category, number>();
  readonly held: LockLike[] = [];
  readonly orderViolations: string[] = [];
  /** Optional lock ranks: a lock may only be taken while holding lower-ranked ones. */
  constructor(private readonly rank?: (name: string) => number) {}

  charge(category: Category, cycles: number): void {
    if (!Number.isFinite(cycles) || cycles < 0) {
      throw new RangeError(`charge of ${cycles} cycles to ${category}`);
    }
    this.cycles.set(category, (this.cycles.get(category) ?? 0) + cycles);
  }
  acquire(lock: LockLike): void {
    if (this.held.includes(lock)) throw new Error(`re-acquire of held lock "${lock.name}"`);
    if (this.rank !== undefined) {
      const r = this.rank(lock.name);
      for (const h of this.held) {
        if (this.rank(h.name) >= r) {
          this.orderViolations.push(`"${lock.name}" taken while holding "${h.name}"`);
        }
      }
    }
    this.held.push(lock);
    this.acquisitions.set(lock.name, (this.acquisitions.get(lock.name) ?? 0) + 1);
  }
  release(lock: LockLike): void {
    const i = this.held.lastIndexOf(lock);
    if (i < 0) throw new Error(`release of lock "${lock.name}" not held`);
    this.held.splice(i, 1);
  }
  then(fn: (t: Time) => void): void {
    fn(this.time);
  }
  /** Acquisitions of locks whose name starts with `prefix`. */
  count(prefix: string): number {
    let n = 0;
    for (const [k, v] of this.acquisitions) if (k.startsWith(prefix)) n += v;
    return n;
  }
  total(category: Category): number {
    return this.cycles.get(category) ?? 0;
  }
  reset(): void {
    this.acquisitions.clear();
    this.cycles.clear();
  }
}

interface SendRecord {
  readonly refs: readonly BufRef[];
  readonly token: number;
  readonly snapshot: Uint8Array;
}

interface FakeConn {
  readonly ref: ConnRef;
  accepted: boolean;
  closed: boolean;
  shutdown: boolean;
  out: Uint8Array[];
  outLen: number;
  pending: SendRecord[];
  sends: number;
}

/** The fake socket layer the app talks to. */
export class FakeSocketApi implements SocketApi {
  readonly listens: { port: number; backlog: number }[] = [];
  readonly violations: string[] = [];
  readonly conns = new Map<string, FakeConn>();
  /** Receive buffers delivered and not yet released: rxId -> its bytes. */
  readonly rxOutstanding = new Map<number, Uint8Array>();
  connects = 0;
  /** sendFile calls, and the file-system calls in order. */
  fileSends = 0;
  readonly fileOps: FileOp[] = [];
  /** Timers asked for, in order (the fake never fires them; a test calls onTimer itself). */
  readonly timers: { at: Time; tag: number }[] = [];

  static key(c: ConnRef): string {
    return `${c.stack}/${c.conn}`;
  }
  conn(c: ConnRef): FakeConn | undefined {
    return this.conns.get(FakeSocketApi.key(c));
  }

  listen(port: number, backlog: number): void {
    this.listens.push({ port, backlog });
  }
  connect(_remote: Endpoint, _tag: number): void {
    this.connects++;
  }
  accept(c: ConnRef): void {
    const fc = this.conn(c);
    if (fc === undefined) {
      this.violations.push(`accept of unknown connection ${FakeSocketApi.key(c)}`);
    } else fc.accepted = true;
  }
  recvDone(c: ConnRef, rxId: number): void {
    const data = this.rxOutstanding.get(rxId);
    if (data === undefined) {
      this.violations.push(`recvDone of unknown or released rx ${rxId} on ${FakeSocketApi.key(c)}`);
      return;
    }
    data.fill(POISON);
    this.rxOutstanding.delete(rxId);
  }
  send(c: ConnRef, refs: readonly BufRef[], token: number): void {
    const fc = this.conn(c);
    if (fc === undefined) {
      this.violations.push(`send on unknown connection ${FakeSocketApi.key(c)}`);
      return;
    }
    if (fc.closed) this.violations.push(`send after close on ${FakeSocketApi.key(c)}`);
    const snapshot = gather(refs);
    fc.out.push(snapshot);
    fc.outLen += snapshot.length;
    fc.pending.push({ refs, token, snapshot });
    fc.sends++;
  }
  /** Recorded as a send (and counted in {@link fileSends}). */
  sendFile(c: ConnRef, refs: readonly BufRef[], token: number): void {
    this.fileSends++;
    this.send(c, refs, token);
  }
  fileOp(op: FileOp): void {
    this.fileOps.push(op);
  }
  shutdown(c: ConnRef): void {
    const fc = this.conn(c);
    if (fc !== undefined) fc.shutdown = true;
  }
  close(c: ConnRef): void {
    const fc = this.conn(c);
    if (fc === undefined) {
      this.violations.push(`close of unknown connection ${FakeSocketApi.key(c)}`);
      return;
    }
    if (fc.closed) this.violations.push(`double close of ${FakeSocketApi.key(c)}`);
    fc.closed = true;
  }
  timer(at: Time, tag: number): void {
    this.timers.push({ at, tag });
  }
}

export interface FeedOptions {
  /** Sizes of the segments to cut the bytes into (cycled); default: one segment. */
  readonly segments?: readonly number[];
  /** Segments delivered per new_data event; default 1. */
  readonly refsPerEvent?: number;
}

/** Drives an {@link App} through the fake socket layer. */
export class AppHarness {
  readonly api = new FakeSocketApi();
  /** The simulated clock apps can be given as `now: () => h.now`. */
  now: Time = 0;
  private nextConn = 1;
  private nextRx = 1;
  readonly clock = (): Time => this.now;

  readonly app: App;

  /** `app` may be a factory receiving the harness clock (for apps that need `now`). */
  constructor(
    app: App | ((clock: () => Time) => App),
    readonly ctx: WorkContext = new CountingContext(),
    readonly stack = 0,
  ) {
    this.app = typeof app === "function" ? app(this.clock) : app;
  }

  get violations(): string[] {
    return this.api.violations;
  }

  start(): void {
    this.app.start(this.ctx, this.api);
    this.afterEvent("start");
  }

  private deliver(ev: SocketEvent): void {
    this.app.onEvent(this.ctx, this.api, this.stack, ev);
    this.afterEvent(ev.kind);
  }

  private afterEvent(what: string): void {
    if (this.ctx instanceof CountingContext && this.ctx.held.length > 0) {
      this.api.violations.push(
        `locks still held after ${what}: ${this.ctx.held.map((l) => l.name).join(", ")}`,
      );
      this.ctx.held.length = 0;
    }
    if (this.api.rxOutstanding.size > 0) {
      this.api.violations.push(`receive buffers not released after ${what}`);
      this.api.rxOutstanding.clear();
    }
  }

  /** A client connects to `port`; returns the connection id. */
  open(port: number): ConnId {
    const conn = this.nextConn++;
    const ref: ConnRef = { stack: this.stack, conn };
    this.api.conns.set(FakeSocketApi.key(ref), {
      ref,
      accepted: false,
      closed: false,
      shutdown: false,
      out: [],
      outLen: 0,
      pending: [],
      sends: 0,
    });
    this.deliver({
      kind: "new_conn",
      conn,
      listenPort: port,
      local: { addr: SERVER_ADDR, port },
      remote: { addr: CLIENT_ADDR + (conn & 0xff), port: CLIENT_PORT_BASE + conn },
    });
    return conn;
  }

  private fc(conn: ConnId): FakeConn {
    const fc = this.api.conn({ stack: this.stack, conn });
    if (fc === undefined) throw new Error(`harness: no connection ${conn}`);
    return fc;
  }

  /** Whether the app accepted the connection. */
  accepted(conn: ConnId): boolean {
    return this.fc(conn).accepted;
  }
  /** Whether the app closed the connection. */
  closed(conn: ConnId): boolean {
    return this.fc(conn).closed;
  }

  /** Delivers `data` as new_data events. */
  feed(conn: ConnId, data: string | Uint8Array, opts: FeedOptions = {}): void {
    const bytes = typeof data === "string" ? latin1Bytes(data) : data;
    const sizes = opts.segments ?? [Math.max(1, bytes.length)];
    const perEvent = opts.refsPerEvent ?? 1;
    let p = 0;
    let k = 0;
    while (p < bytes.length) {
      const refs: BufRef[] = [];
      const rxId = this.nextRx++;
      let total = 0;
      // One receive buffer per event, holding all its segments.
      const segs: [number, number][] = [];
      for (let r = 0; r < perEvent && p < bytes.length; r++) {
        const n = Math.min(Math.max(1, sizes[k++ % sizes.length]), bytes.length - p);
        segs.push([p, n]);
        p += n;
        total += n;
      }
      const copy = new Uint8Array(total);
      let o = 0;
      for (const [s, n] of segs) {
        copy.set(bytes.subarray(s, s + n), o);
        o += n;
      }
      const mem = new Bytes(copy, `rx${rxId}`);
      o = 0;
      for (const [, n] of segs) {
        refs.push({ mem, off: o, len: n });
        o += n;
      }
      this.api.rxOutstanding.set(rxId, copy);
      this.deliver({ kind: "new_data", conn, rxId, refs, bytes: total });
    }
  }

  /** Everything sent on `conn` so far, as latin1 text. */
  output(conn: ConnId): string {
    const fc = this.fc(conn);
    return fc.out.map((b) => latin1(b)).join("");
  }
  /** Bytes sent on `conn` so far. */
  outputBytes(conn: ConnId): number {
    return this.fc(conn).outLen;
  }
  /** Output so far, then forgets it. */
  take(conn: ConnId): string {
    const s = this.output(conn);
    const fc = this.fc(conn);
    fc.out = [];
    fc.outLen = 0;
    return s;
  }
  /** Sends of `conn` not yet acknowledged. */
  pending(conn: ConnId): number {
    return this.fc(conn).pending.length;
  }
  /** References of the most recent unacknowledged send on `conn` (zero-copy checks). */
  lastRefs(conn: ConnId): readonly BufRef[] {
    const p = this.fc(conn).pending;
    if (p.length === 0) throw new Error(`harness: no unacknowledged send on ${conn}`);
    return p[p.length - 1].refs;
  }
  /** Total `send` commands on `conn`. */
  sends(conn: ConnId): number {
    return this.fc(conn).sends;
  }

  /** Acknowledges the oldest `count` unacknowledged sends (all by default), one event each. */
  ack(conn: ConnId, count = Infinity): void {
    const fc = this.fc(conn);
    while (count-- > 0 && fc.pending.length > 0) {
      const s = fc.pending.shift()!;
      this.checkIntact(conn, s);
      this.deliver({ kind: "data_acked", conn, token: s.token });
    }
  }
  /** Acknowledges every send at once with one cumulative data_acked for the last token. */
  ackCumulative(conn: ConnId): void {
    const fc = this.fc(conn);
    if (fc.pending.length === 0) return;
    for (const s of fc.pending) this.checkIntact(conn, s);
    const last = fc.pending[fc.pending.length - 1].token;
    fc.pending = [];
    this.deliver({ kind: "data_acked", conn, token: last });
  }

  private checkIntact(conn: ConnId, s: SendRecord): void {
    const now = gather(s.refs);
    if (now.length !== s.snapshot.length || now.some((b, i) => b !== s.snapshot[i])) {
      this.api.violations.push(
        `bytes of send ${s.token} on ${conn} changed before data_acked: ` +
          `${JSON.stringify(latin1(s.snapshot).slice(0, 80))} -> ` +
          `${JSON.stringify(latin1(now).slice(0, 80))}`,
      );
    }
  }
  /** Checks every unacknowledged send of every connection still has its bytes. */
  checkAllIntact(): void {
    for (const fc of this.api.conns.values()) {
      for (const s of fc.pending) this.checkIntact(fc.ref.conn, s);
    }
  }

  /** The peer sent FIN. */
  remoteClose(conn: ConnId): void {
    this.deliver({ kind: "remote_closed", conn });
  }
  /** The connection is gone; outstanding sends are dropped. */
  cleanup(conn: ConnId, reason: CleanupReason = "closed"): void {
    const fc = this.fc(conn);
    fc.pending = [];
    this.deliver({ kind: "cleanup", conn, reason });
    this.api.conns.delete(FakeSocketApi.key(fc.ref));
  }
}

/** Encodes a string byte per char (test inputs may hold any byte 0-255). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Segment sizes that split every byte into its own segment. */
export const BYTEWISE: readonly number[] = [1];

// ------------------------------------------------------------------ fuzzing

/** What {@link fuzzServer} sends and checks. */
export interface FuzzOptions {
  readonly rng: Rng;
  /** The port the server listens on. */
  readonly port: number;
  /** Requests to generate. */
  readonly requests: number;
  /** Fuzzed connections open at once. */
  readonly conns: number;
  /** One request of the protocol (or garbage). */
  readonly gen: (rng: Rng) => string;
  /** A damaged copy of a request (applied to one request in three). */
  readonly mutate: (rng: Rng, s: string) => string;
  /** Largest size of a "long" segment (half of the cuts are 1-8 bytes). */
  readonly maxSegment: number;
  /** A connection whose answer to `request` must never change. */
  readonly control: ConnId;
  readonly request: string;
  readonly reply: string;
  /** The control request is repeated every this many fuzz requests. */
  readonly controlEvery: number;
  /** Called after each batch has been answered and perhaps acknowledged (e.g. moves the clock). */
  readonly afterBatch?: (rng: Rng) => void;
}

export interface FuzzResult {
  /** Connections closed (by the server or at random) and opened again. */
  readonly reopened: number;
  /** Bytes of replies. */
  readonly outBytes: number;
}

/**
 * Sends `requests` random requests, pipelined 1-3 at a time on one of `conns`
 * connections, cut into random segments and delivered 1-3 per event; acks
 * some replies one by one or cumulatively, closes connections at random or
 * when the server did, and checks the control connection is still answered.
 * At the end acknowledges and closes everything (the control connection
 * last, after one more check).
 */
export function fuzzServer(h: AppHarness, o: FuzzOptions): FuzzResult {
  const rng = o.rng;
  const conns = Array.from({ length: o.conns }, () => h.open(o.port));
  const checkControl = () => {
    h.feed(o.control, o.request);
    assert.equal(h.take(o.control), o.reply);
    h.ack(o.control);
  };
  let reopened = 0;
  let outBytes = 0;
  for (let r = 0; r < o.requests;) {
    const ci = rng.int(o.conns);
    const c = conns[ci];
    // Pipeline 1-3 requests, each mutated with probability 1/3.
    let req = "";
    const batch = 1 + rng.int(3);
    for (let b = 0; b < batch; b++, r++) {
      const g = o.gen(rng);
      req += rng.int(3) === 0 ? o.mutate(rng, g) : g;
    }
    const segs = Array.from(
      { length: 1 + rng.int(4) },
      () => 1 + rng.int(rng.chance(0.5) ? 8 : o.maxSegment),
    );
    h.feed(c, latin1Bytes(req), { segments: segs, refsPerEvent: 1 + rng.int(3) });
    outBytes += h.take(c).length;
    if (rng.chance(0.7)) {
      if (rng.chance(0.5)) h.ack(c);
      else h.ackCumulative(c);
    }
    o.afterBatch?.(rng);
    if (h.closed(c) || rng.chance(0.002)) {
      if (!h.closed(c) && rng.chance(0.5)) h.remoteClose(c);
      h.cleanup(c, "closed");
      conns[ci] = h.open(o.port);
      reopened++;
    }
    if (r % o.controlEvery < batch) checkControl();
  }
  // Drain: acknowledge and close everything.
  for (const c of conns) {
    h.ack(c);
    h.cleanup(c);
  }
  checkControl();
  h.cleanup(o.control);
  return { reopened, outBytes };
}

/** 1-200 random bytes, one in twenty a line feed. */
export function fuzzGarbage(rng: Rng): string {
  const n = 1 + rng.int(200);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.chance(0.05) ? 10 : rng.int(256));
  return s;
}

/**
 * Damages `s` 1-3 times: replaces, inserts or deletes a random byte, cuts the
 * rest, inserts one of `inserts`, or (with `repeatTail`) appends a copy of a
 * tail of it.
 */
export function fuzzMutate(
  rng: Rng,
  s: string,
  inserts: readonly string[],
  repeatTail = false,
): string {
  const n = 1 + rng.int(3);
  for (let k = 0; k < n && s.length > 0; k++) {
    const i = rng.int(s.length);
    switch (rng.int(repeatTail ? 6 : 5)) {
      case 0:
        s = s.slice(0, i) + String.fromCharCode(rng.int(256)) + s.slice(i + 1);
        break;
      case 1:
        s = s.slice(0, i) + String.fromCharCode(rng.int(256)) + s.slice(i);
        break;
      case 2:
        s = s.slice(0, i) + s.slice(i + 1);
        break;
      case 3:
        s = s.slice(0, i);
        break;
      case 4:
        s = s.slice(0, i) + inserts[rng.int(inserts.length)] + s.slice(i);
        break;
      default:
        s = s + s.slice(i);
    }
  }
  return s;
}

// ---------------------------------------------------------------- memcached

/** Lock ranks in the memcached store's documented order: item -> LRU -> slabs -> stats. */
export function mcLockRank(name: string): number {
  if (name.includes(".item.")) return 0;
  if (name.includes(".lru")) return 1;
  if (name.endsWith(".slabs")) return 2;
  if (name.endsWith(".stats")) return 3;
  return 4;
}

/** Memcached test defaults: 2 MiB of items (two 1 MiB pages), 64 KiB of scratch. */
export const MC_TEST_MEM_LIMIT = 2 * 1024 * 1024;
export const MC_TEST_SCRATCH = 64 * 1024;

/** A memcached server on the harness with one connection open. */
export interface McFixture {
  readonly h: AppHarness;
  readonly app: MemcachedApp;
  /** Counts charges and checks the lock order ({@link mcLockRank}). */
  readonly ctx: CountingContext;
  readonly conn: number;
  /** Feeds `req` on the fixture connection and returns (and clears) the output. */
  readonly run: (req: string) => string;
}

export function mcFixture(cfg: Partial<MemcachedConfig> = {}): McFixture {
  const ctx = new CountingContext(mcLockRank);
  const h = new AppHarness(
    (clock) =>
      new MemcachedApp({
        now: clock,
        memLimit: MC_TEST_MEM_LIMIT,
        scratchBytes: MC_TEST_SCRATCH,
        ...cfg,
      }),
    ctx,
  );
  h.start();
  const conn = h.open(11211);
  const run = (req: string) => {
    h.feed(conn, req);
    h.ack(conn);
    return h.take(conn);
  };
  return { h, app: h.app as MemcachedApp, ctx, conn, run };
}

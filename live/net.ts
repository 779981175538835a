/**
 * A network Worker: one share-nothing {@link Stack} on wall-clock time.
 *
 * Its loop: take the frames the driver put in its receive ring (each in a
 * slot of its receive region) and hand them to the stack; in DLibOS mode take
 * the application Workers' commands from their rings; run the stack's timers
 * when {@link Stack.nextDeadline} has come; deliver the socket events (RTC:
 * direct calls into the app living in this Worker; DLibOS: records on the
 * ring of the application Worker that owns the connection); then sleep on its
 * doorbell until rung or until the next deadline. Transmitted frames are
 * gathered (headers + payload references) and written to the TAP descriptor
 * directly, one `write` per frame: the per-core egress queue.
 *
 * Events are queued while the stack runs and delivered after it returns, so
 * an app's commands never re-enter the stack.
 */
import { MS, type Time } from "../core/time.ts";
import { Rng } from "../core/rng.ts";
import type { BufRef, RxBuffer, TxFrame } from "../hw/buffers.ts";
import { FREE_ACCOUNTING } from "../stack/accounting.ts";
import type { Endpoint, SocketCommand, SocketEvent } from "../stack/events.ts";
import { PcapWriter } from "../stack/pcap.ts";
import type { App, ConnRef, SocketApi } from "../stack/socket.ts";
import { Stack, totalDrops } from "../stack/stack.ts";
import { appMemoryBytes, buildApp } from "./apps.ts";
import { LiveClock } from "./clock.ts";
import { LiveContext } from "./context.ts";
import { decodeCommand, encodeEvent, MAX_RECORD_WORDS } from "./messages.ts";
import { LISTENING, type NetStart, RX_SLOT_BYTES, STOP, type WorkerReport } from "./plan.ts";
import { type SharedRegion, viewsFor } from "./regions.ts";
import { Doorbell, SpscRing } from "./spsc_ring.ts";
import { TapFd } from "./tap.ts";
import { ByteArena } from "../apps/common/arena.ts";
import { AppTimers } from "./timers.ts";

/** Longest sleep with nothing to do, ms (bounds how late a stop or a missed ring is seen). */
export const IDLE_WAIT_MS = 20;
/** Largest frame gathered for transmit (IPv4 maximum plus Ethernet header). */
const TX_SCRATCH_BYTES = 65536 + 64;

/** A receive slot, reused for every frame that lands in it. */
class Slot implements RxBuffer {
  ref: { mem: SharedRegion; off: number; len: number };
  constructor(mem: SharedRegion, readonly index: number, private readonly net: NetWorker) {
    this.ref = { mem, off: index * RX_SLOT_BYTES, len: 0 };
  }
  release(): void {
    this.net.freeSlot(this.index);
  }
}

export class NetWorker {
  readonly stack: Stack;
  readonly counters = {
    framesIn: 0,
    framesOut: 0,
    txErrors: 0,
    events: 0,
    commands: 0,
    eventsDeferred: 0,
    slotsFreed: 0,
  };
  private readonly clock: LiveClock;
  private readonly tap: TapFd;
  private readonly slots: Slot[] = [];
  private readonly rxRing: SpscRing;
  private readonly freeRing: SpscRing;
  private readonly evRings: SpscRing[];
  private readonly cmdRings: SpscRing[];
  private readonly bells: Doorbell[] = [];
  private readonly myBell: Doorbell;
  private readonly control: Int32Array;
  private readonly views: (SharedRegion | null)[];
  private readonly txScratch = new Uint8Array(TX_SCRATCH_BYTES);
  private readonly rec = new Uint32Array(MAX_RECORD_WORDS);
  private readonly freeRec = new Uint32Array(1);
  private readonly pcap: PcapWriter | null;
  /** Events raised while the stack ran, delivered after it returns. */
  private events: SocketEvent[] = [];
  private spare: SocketEvent[] = [];
  /** DLibOS: events whose ring was full, per application Worker. */
  private readonly deferred: SocketEvent[][];
  /** DLibOS: the application Worker of each connection. */
  private readonly owner = new Map<number, number>();
  private nextOwner = 0;
  private readonly listening = new Set<number>();
  /** RTC: the app in this Worker. */
  private readonly app: App | null = null;
  private readonly api: SocketApi | null = null;
  private readonly ctx: LiveContext;
  /** RTC: the app's timers. */
  private readonly timers = new AppTimers();
  private now: Time = 0;

  constructor(private readonly s: NetStart) {
    this.clock = new LiveClock(s.epochMs);
    this.ctx = new LiveContext(this.clock);
    this.tap = TapFd.attach(s.tapFd, s.tapName);
    this.views = viewsFor({ kind: "net", index: s.index }, s.regions);
    const rx = this.views[s.index];
    if (rx === null) throw new Error("network Worker has no view of its receive region");
    const nSlots = rx.size / RX_SLOT_BYTES;
    for (let i = 0; i < nSlots; i++) this.slots.push(new Slot(rx, i, this));
    this.rxRing = new SpscRing(s.rxRing);
    this.freeRing = new SpscRing(s.freeRing);
    this.evRings = s.evRings.map((b) => new SpscRing(b));
    this.cmdRings = s.cmdRings.map((b) => new SpscRing(b));
    this.deferred = s.evRings.map(() => []);
    for (let k = 0; k < s.nNet + s.nApp; k++) this.bells.push(new Doorbell(s.bells, k));
    this.myBell = this.bells[s.index];
    this.control = new Int32Array(s.control);
    this.pcap = s.pcap ? new PcapWriter() : null;
    this.stack = new Stack(
      { id: s.index, mac: Uint8Array.from(s.mac), ip: s.ip, prefixLen: s.prefixLen },
      {
        transmit: (f) => this.transmit(f),
        event: (ev) => this.events.push(ev),
        acct: FREE_ACCOUNTING,
      },
      new Rng(s.seed, `live-net-${s.index}`),
    );
    if (s.mode === "rtc") {
      const now = () => this.clock.now();
      const bytes = appMemoryBytes(s.app, now);
      const mem = bytes > 0 ? new ByteArena(bytes, `app-tx-${s.index}`) : null;
      this.app = buildApp(s.app, mem, now);
      this.api = this.directApi();
    }
  }

  /** Runs until the stop flag is set; returns the report. */
  run(): WorkerReport {
    this.now = this.clock.now();
    if (this.app !== null && this.api !== null) {
      this.app.start(this.ctx, this.api);
      this.deliver();
    }
    const rec = this.rec;
    while (Atomics.load(this.control, STOP) === 0) {
      const seen = this.myBell.read();
      this.now = this.clock.now();
      let work = 0;
      let n: number;
      while ((n = this.rxRing.tryPop(rec)) >= 0) {
        const slot = this.slots[rec[0]];
        slot.ref.len = rec[1];
        this.counters.framesIn++;
        if (this.pcap !== null) this.pcap.record(this.now, slot.ref.mem.read(slot.ref.off, rec[1]));
        this.stack.receive(this.now, slot);
        this.deliver();
        work++;
      }
      for (let j = 0; j < this.cmdRings.length; j++) {
        const ring = this.cmdRings[j];
        while ((n = ring.tryPop(rec)) >= 0) {
          this.counters.commands++;
          this.execute(decodeCommand(rec, n, this.views));
          this.deliver();
          work++;
        }
      }
      if (this.app !== null && this.api !== null && this.timers.next() <= this.now) {
        const app = this.app, api = this.api;
        work += this.timers.fireDue(this.now, (tag) => app.onTimer?.(this.ctx, api, tag));
        this.deliver();
      }
      if (this.stack.nextDeadline() <= this.now) {
        this.stack.poll(this.now);
        this.deliver();
        work++;
      }
      for (let j = 0; j < this.deferred.length; j++) {
        if (this.deferred[j].length > 0) this.flushDeferred(j);
      }
      if (work === 0) {
        const next = Math.min(this.stack.nextDeadline(), this.timers.next());
        const until = (next - this.clock.now()) / MS;
        const wait = Math.min(IDLE_WAIT_MS, Math.max(0, until));
        if (wait > 0) this.myBell.wait(seen, wait);
      }
    }
    const st = this.stack.stats;
    const drops: Record<string, number> = {};
    for (const [k, v] of Object.entries(st.drops)) if (v > 0) drops[`drop.${k}`] = v;
    return {
      role: "net",
      index: this.s.index,
      counters: { ...this.counters, ...st.counters, drops: totalDrops(st), ...drops },
      pcap: this.pcap?.toBytes() ?? null,
    };
  }

  /** Returns a receive slot to the driver. */
  freeSlot(index: number): void {
    this.freeRec[0] = index;
    this.counters.slotsFreed++;
    // The free ring holds every slot, so it cannot be full.
    if (!this.freeRing.tryPush(this.freeRec, 1)) throw new Error("free-slot ring overflow");
  }

  private transmit(f: TxFrame): void {
    const buf = this.txScratch;
    let n = f.header.length;
    buf.set(f.header, 0);
    const payload = f.payload;
    for (let i = 0; i < payload.length; i++) {
      const r: BufRef = payload[i];
      buf.set(r.mem.read(r.off, r.len), n);
      n += r.len;
    }
    if (this.tap.write(buf, n)) this.counters.framesOut++;
    else this.counters.txErrors++;
    if (this.pcap !== null) this.pcap.record(this.clock.now(), buf.subarray(0, n));
    f.onSent?.();
  }

  /** Hands queued events to the app (RTC) or to the application Workers' rings (DLibOS). */
  private deliver(): void {
    while (this.events.length > 0) {
      const batch = this.events;
      this.events = this.spare;
      for (let i = 0; i < batch.length; i++) {
        const ev = batch[i];
        this.counters.events++;
        if (this.app !== null && this.api !== null) {
          this.app.onEvent(this.ctx, this.api, this.s.index, ev);
        } else this.post(ev);
      }
      batch.length = 0;
      this.spare = batch;
    }
  }

  /** DLibOS: sends `ev` to the application Worker owning its connection. */
  private post(ev: SocketEvent): void {
    let j = this.owner.get(ev.conn);
    if (j === undefined) {
      j = this.nextOwner;
      this.nextOwner = (this.nextOwner + 1) % this.evRings.length;
      this.owner.set(ev.conn, j);
    }
    if (ev.kind === "cleanup") this.owner.delete(ev.conn);
    if (this.deferred[j].length > 0) {
      this.deferred[j].push(ev);
      this.counters.eventsDeferred++;
      return;
    }
    const n = encodeEvent(ev, this.rec);
    if (this.evRings[j].tryPush(this.rec, n)) this.bells[this.s.nNet + j].ring();
    else {
      this.deferred[j].push(ev);
      this.counters.eventsDeferred++;
    }
  }

  private flushDeferred(j: number): void {
    const q = this.deferred[j];
    let k = 0;
    for (; k < q.length; k++) {
      const n = encodeEvent(q[k], this.rec);
      if (!this.evRings[j].tryPush(this.rec, n)) break;
    }
    if (k > 0) {
      q.splice(0, k);
      this.bells[this.s.nNet + j].ring();
    }
  }

  /** DLibOS: runs one command from an application Worker. */
  private execute(cmd: SocketCommand): void {
    const now = this.now;
    switch (cmd.kind) {
      case "listen":
        this.listen(cmd.port, cmd.backlog);
        break;
      case "connect":
        this.stack.connect(now, cmd.remote);
        break;
      case "accept":
        this.stack.accept(cmd.conn);
        break;
      case "recv_done":
        this.stack.recvDone(cmd.conn, cmd.rxId);
        break;
      case "send":
        this.stack.send(now, cmd.conn, cmd.refs, cmd.token);
        break;
      case "shutdown":
        this.stack.shutdown(now, cmd.conn);
        break;
      case "close":
        this.stack.close(now, cmd.conn);
        break;
    }
  }

  private listen(port: number, backlog: number): void {
    if (this.listening.has(port)) return; // every application Worker asks
    this.listening.add(port);
    this.stack.listen(port, backlog);
    if (port === this.s.app.port) Atomics.add(this.control, LISTENING, 1);
  }

  /** RTC: the socket API as direct calls on this Worker's stack. */
  private directApi(): SocketApi {
    const st = this.stack;
    return {
      listen: (port, backlog) => this.listen(port, backlog),
      connect: (remote: Endpoint, _tag: number) => {
        st.connect(this.now, remote);
      },
      accept: (c: ConnRef) => st.accept(c.conn),
      recvDone: (c: ConnRef, rxId: number) => st.recvDone(c.conn, rxId),
      send: (c: ConnRef, refs: readonly BufRef[], token: number) =>
        st.send(this.now, c.conn, refs, token),
      // Zero-touch already: a file is sent as any memory; no file system.
      sendFile: (c: ConnRef, refs: readonly BufRef[], token: number) =>
        st.send(this.now, c.conn, refs, token),
      fileOp: () => {},
      shutdown: (c: ConnRef) => st.shutdown(this.now, c.conn),
      close: (c: ConnRef) => st.close(this.now, c.conn),
      timer: (at: Time, tag: number) => this.timers.add(at, tag),
    };
  }
}

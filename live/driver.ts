/**
 * The driver Worker: owns the TAP's receive side and stands in for mPIPE's
 * classifier and load balancer. It waits on the descriptor with `poll`,
 * reads each frame, optionally passes it through a {@link FaultInjector}
 * (loss, duplication, reordering, corruption), and dispatches it by the
 * symmetric flow hash (hw/flowhash.ts) to one network Worker: copied into a
 * free slot of that Worker's receive region, announced on its ring, its
 * doorbell rung. ARP requests go to network Worker 0 (one answer), other
 * non-IP frames (ARP replies) to every network Worker, so each stack learns
 * the kernel's MAC. A Worker out of free slots loses the frame (counted).
 */
import { MS, type Time } from "../core/time.ts";
import { Rng } from "../core/rng.ts";
import { FaultInjector } from "../hw/fault.ts";
import { type Classification, classifyFrame } from "../hw/flowhash.ts";
import { PcapWriter } from "../stack/pcap.ts";
import { ARP_OP_REQUEST } from "../stack/wire/arp.ts";
import { ETH_HEADER_LEN, ETH_TYPE_OFFSET, ETHERTYPE_ARP } from "../stack/wire/ethernet.ts";
import { LiveClock } from "./clock.ts";
import { type DriverStart, RX_SLOT_BYTES, STOP, type WorkerReport } from "./plan.ts";
import { type SharedRegion, viewsFor } from "./regions.ts";
import { Doorbell, SpscRing } from "./spsc_ring.ts";
import { TAP_FRAME_MAX, TapFd } from "./tap.ts";

/** Longest poll(2) of the TAP, ms (bounds how late a stop is seen). */
export const DRIVER_POLL_MS = 5;
/** Offset of the ARP operation field in a frame (RFC 826: after htype, ptype, hlen, plen). */
const ARP_OP_OFFSET = ETH_HEADER_LEN + 6;
/** Frames read per wake-up before the free rings are drained again. */
const READ_BATCH = 64;

interface Delayed {
  readonly t: Time;
  readonly frame: Uint8Array;
}

export class Driver {
  readonly counters = {
    framesRead: 0,
    bytesRead: 0,
    dispatched: 0,
    noSlot: 0,
    tooLong: 0,
    readErrors: 0,
    faultDropped: 0,
    faultDuplicated: 0,
    faultReordered: 0,
    faultCorrupted: 0,
  };
  private readonly clock: LiveClock;
  private readonly tap: TapFd;
  private readonly rx: SharedRegion[];
  private readonly rxRings: SpscRing[];
  private readonly freeRings: SpscRing[];
  private readonly free: Int32Array[];
  private readonly freeTop: number[];
  private readonly bells: Doorbell[] = [];
  private readonly control: Int32Array;
  private readonly buf = new Uint8Array(TAP_FRAME_MAX);
  private readonly rec = new Uint32Array(2);
  private readonly cls: Classification = { cls: "runt", hash: 0 };
  private readonly faults: FaultInjector | null;
  private readonly delayed: Delayed[] = [];
  private readonly pcap: PcapWriter | null;
  private readonly rung: boolean[];

  constructor(private readonly s: DriverStart) {
    this.clock = new LiveClock(s.epochMs);
    this.tap = TapFd.attach(s.tapFd, s.tapName);
    const views = viewsFor({ kind: "driver" }, s.regions);
    this.rx = s.regions.rx.map((_, i) => views[i] as SharedRegion);
    this.rxRings = s.rxRings.map((b) => new SpscRing(b));
    this.freeRings = s.freeRings.map((b) => new SpscRing(b));
    this.free = this.rx.map((r) => {
      const n = r.size / RX_SLOT_BYTES;
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = n - 1 - i;
      return a;
    });
    this.freeTop = this.free.map((a) => a.length);
    for (let k = 0; k < s.nNet; k++) this.bells.push(new Doorbell(s.bells, k));
    this.rung = this.bells.map(() => false);
    this.control = new Int32Array(s.control);
    this.faults = s.faults === null
      ? null
      : new FaultInjector(new Rng(s.faults.seed ?? 1, "live-faults"), s.faults);
    this.pcap = s.pcap ? new PcapWriter() : null;
  }

  run(): WorkerReport {
    const buf = this.buf;
    while (Atomics.load(this.control, STOP) === 0) {
      this.reclaim();
      let timeout = DRIVER_POLL_MS;
      if (this.delayed.length > 0) {
        const until = (this.delayed[0].t - this.clock.now()) / MS;
        timeout = Math.max(0, Math.min(timeout, Math.ceil(until)));
      }
      if (this.tap.waitReadable(timeout)) {
        for (let k = 0; k < READ_BATCH; k++) {
          const n = this.tap.read(buf);
          if (n === 0) break;
          if (n < 0) {
            this.counters.readErrors++;
            break;
          }
          this.counters.framesRead++;
          this.counters.bytesRead += n;
          const now = this.clock.now();
          const frame = buf.subarray(0, n);
          if (this.pcap !== null) this.pcap.record(now, frame);
          if (this.faults === null) this.dispatch(frame);
          else this.faults.apply(now, frame, (t, f) => this.faulted(now, t, f));
        }
      }
      this.releaseDelayed();
      this.ringBells();
    }
    const f = this.faults?.stats;
    if (f !== undefined) {
      this.counters.faultDropped = f.dropped;
      this.counters.faultDuplicated = f.duplicated;
      this.counters.faultReordered = f.reordered;
      this.counters.faultCorrupted = f.corrupted;
    }
    return {
      role: "driver",
      index: 0,
      counters: { ...this.counters },
      pcap: this.pcap?.toBytes() ?? null,
    };
  }

  /** Takes freed slots back from the network Workers. */
  private reclaim(): void {
    for (let i = 0; i < this.freeRings.length; i++) {
      const ring = this.freeRings[i], free = this.free[i];
      while (ring.tryPop(this.rec) >= 0) free[this.freeTop[i]++] = this.rec[0];
    }
  }

  private faulted(now: Time, t: Time, frame: Uint8Array): void {
    if (t <= now) this.dispatch(frame);
    else {
      // Held back (reordered): keep a copy, in delivery-time order.
      const d = { t, frame: frame.slice() };
      let k = this.delayed.length;
      while (k > 0 && this.delayed[k - 1].t > t) k--;
      this.delayed.splice(k, 0, d);
    }
  }

  private releaseDelayed(): void {
    const now = this.clock.now();
    while (this.delayed.length > 0 && this.delayed[0].t <= now) {
      this.dispatch(this.delayed.shift()!.frame);
    }
  }

  /** Sends `frame` to the network Worker(s) its class and hash pick. */
  private dispatch(frame: Uint8Array): void {
    const nNet = this.rx.length;
    const c = classifyFrame(frame, this.cls);
    if (c.cls === "non-ip" && nNet > 1 && isArp(frame)) {
      if (frame[ARP_OP_OFFSET] === 0 && frame[ARP_OP_OFFSET + 1] === ARP_OP_REQUEST) {
        this.deliverTo(0, frame);
      } else for (let i = 0; i < nNet; i++) this.deliverTo(i, frame);
      return;
    }
    this.deliverTo(nNet === 1 ? 0 : c.hash % nNet, frame);
  }

  private deliverTo(i: number, frame: Uint8Array): void {
    if (frame.length > RX_SLOT_BYTES) {
      this.counters.tooLong++;
      return;
    }
    if (this.freeTop[i] === 0) {
      this.reclaim();
      if (this.freeTop[i] === 0) {
        this.counters.noSlot++;
        return;
      }
    }
    const slot = this.free[i][--this.freeTop[i]];
    this.rx[i].write(slot * RX_SLOT_BYTES, frame);
    this.rec[0] = slot;
    this.rec[1] = frame.length;
    if (!this.rxRings[i].tryPush(this.rec, 2)) {
      // The ring holds every slot, so this cannot happen; keep the slot anyway.
      this.free[i][this.freeTop[i]++] = slot;
      this.counters.noSlot++;
      return;
    }
    this.counters.dispatched++;
    this.rung[i] = true;
  }

  private ringBells(): void {
    for (let i = 0; i < this.rung.length; i++) {
      if (this.rung[i]) {
        this.rung[i] = false;
        this.bells[i].ring();
      }
    }
  }
}

function isArp(frame: Uint8Array): boolean {
  return frame.length > ARP_OP_OFFSET + 1 &&
    ((frame[ETH_TYPE_OFFSET] << 8) | frame[ETH_TYPE_OFFSET + 1]) === ETHERTYPE_ARP;
}

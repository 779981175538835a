/**
 * The mPIPE NIC engine (docs/PAPER.md "mPIPE"): classifier, load balancer, buffer
 * stack, ingress DMA into a protected receive region, per-worker notification
 * rings, and egress DMA with gather and L4 checksum offload.
 *
 * Ingress, for each frame arriving on any port:
 *  1. The classifier parses the headers from the bytes (hw/flowhash.ts) and
 *     computes a symmetric CRC-32 flow hash; frames shorter than an Ethernet
 *     header are dropped ("runt"). Non-IP and malformed-IP frames go by a hash
 *     of the MAC pair, or to worker 0 with `nonIp: "worker0"`.
 *  2. The load balancer maps hash mod `buckets` to a bucket and the bucket to a
 *     worker (bucket i -> worker i mod W by default; see {@link Mpipe.mapBucket}).
 *  3. A buffer is taken from the buffer stack; an empty stack drops the frame
 *     ("no_buffer"), as does a frame larger than a buffer ("oversize").
 *  4. Ingress DMA writes the bytes into the buffer through the NIC's own view
 *     of the receive region (so the NIC's permission is what is checked).
 *  5. After {@link INGRESS_DMA_LATENCY} an {@link RxBuffer} is pushed onto the
 *     worker's bounded notification ring (full ring: drop "ring_full" and the
 *     buffer goes back) and the worker's wake callback runs. Its `ref.mem` is
 *     the view configured for that worker (default: the region's
 *     `stack:<worker>` view); `release()` returns the buffer to the stack.
 *  The classifier and DMA engines are not a bottleneck (they keep up with line
 *  rate on real hardware); only buffers and rings are finite.
 *
 * Egress, `transmit(now, port, frame)`:
 *  - The egress DMA gathers the header and the payload references. A payload
 *    reference whose `mem` is a {@link RegionView} is read through the NIC's
 *    view of the same region (so an application's transmit region must grant
 *    the NIC domain "read"; the stack never needs to read it). Any other
 *    Memory is read as is (unprotected memory, tests).
 *  - With `l4ChecksumOffload`, the checksum over frame[csumStart..] is
 *    computed (the field already holds the pseudo-header sum) and stored.
 *  - After {@link EGRESS_DMA_LATENCY} the frame goes to the port's link;
 *    `onSent` runs when its serialization finishes.
 *  - Back-pressure, not loss: at most `egressQueueFrames` frames per port (and
 *    never more than the link's own queue holds) may be posted to the eDMA
 *    ring or be on the link. A frame that finds the ring full waits in the
 *    port's backlog, in order, as a real driver stops its queue and leaves the
 *    segment with the stack (Linux's qdisc, a user-level stack's pending
 *    list); it is posted when a frame ahead of it has left. Its payload is
 *    read at that point, and its `onSent` runs when it leaves, so the owner
 *    keeps the bytes until then. Only a frame the egress DMA cannot read
 *    ("protection_fault") or whose descriptor is invalid ("bad_descriptor")
 *    is dropped; its `onSent` runs at once and `transmit` returns false.
 */
import type { Scheduler } from "../core/scheduler.ts";
import { NS, type Time } from "../core/time.ts";
import { ByteSlab } from "../core/bytes.ts";
import type { BufRef, Memory, RxBuffer, TxFrame } from "./buffers.ts";
import { checksumAdd, fold, internetChecksum } from "./checksum.ts";
import { Fifo } from "./fifo.ts";
import { UDP_CHECKSUM_OFFSET } from "./headers.ts";
import { type Classification, classifyFrame, flowHash } from "./flowhash.ts";
import type { LinkEnd } from "./link.ts";
import {
  BufferPool,
  isRegionView,
  type MemoryRegion,
  ProtectionFault,
  regionOf,
  type RegionView,
} from "./memory.ts";
import { type Calibration, DEFAULT_CALIBRATION } from "./costs/calibration.ts";

/** Load-balancer buckets (approximation: the brief's default; mPIPE supports more). */
export const MPIPE_BUCKETS = 256;
/**
 * Receive buffer size: 2048 bytes, a power of two that holds a full 1518-byte
 * frame (approximation of an mPIPE buffer-stack size class).
 */
export const MPIPE_BUFFER_SIZE = 2048;
/** Entries per worker notification ring (approximation, to be calibrated in docs/CALIBRATION.md). */
export const MPIPE_RING_ENTRIES = 512;
/** mPIPE's ingress and egress DMA latencies (see {@link mpipeLatencies}). */
export interface MpipeLatencies {
  /** Last byte in to the descriptor visible to the worker. */
  readonly ingress: Time;
  /** transmit() to the frame handed to the MAC. */
  readonly egress: Time;
}

/**
 * The DMA latencies of calibration `cal`: its `dmaLatencyNs` each way, in
 * whole picoseconds (no public figure: the free parameter fitted to the
 * NetPIPE 64-byte one-way latency, hw/costs/calibration.ts).
 */
export function mpipeLatencies(cal: Calibration): MpipeLatencies {
  const t = Math.round(cal.dmaLatencyNs * NS);
  return { ingress: t, egress: t };
}

/**
 * Time from the last byte in to the descriptor visible to the worker:
 * classification, buffer-stack pop, DMA into the distributed L3 and the
 * notification-ring write. The fitted calibration's (docs/CALIBRATION.md).
 */
export const INGRESS_DMA_LATENCY: Time = mpipeLatencies(DEFAULT_CALIBRATION).ingress;
/**
 * Time from transmit() to the frame handed to the MAC: descriptor fetch,
 * gather DMA reads and checksum. The fitted calibration's (docs/CALIBRATION.md).
 */
export const EGRESS_DMA_LATENCY: Time = mpipeLatencies(DEFAULT_CALIBRATION).egress;
/** Frames per port in the egress DMA and link queue (approximation of an eDMA ring size). */
export const MPIPE_EGRESS_FRAMES = 512;
/** The NIC's protection domain name. */
export const NIC_DOMAIN = "nic";

/** Every reason the NIC drops a received frame. */
export const RX_DROP_REASONS = ["runt", "oversize", "no_buffer", "ring_full"] as const;
/** One of {@link RX_DROP_REASONS}. */
export type RxDropReason = typeof RX_DROP_REASONS[number];
/** Every reason the NIC drops a frame to transmit. */
export const TX_DROP_REASONS = [
  "protection_fault",
  "bad_descriptor",
] as const;
/** One of {@link TX_DROP_REASONS}. */
export type TxDropReason = typeof TX_DROP_REASONS[number];

/** Shape of an {@link Mpipe} NIC (the optional fields default to the TileGX mPIPE values). */
export interface MpipeConfig {
  /** Number of workers (notification rings), e.g. network cores. */
  readonly workers: number;
  /** Region the receive buffers live in; the NIC domain must have "read-write". */
  readonly rxRegion: MemoryRegion;
  /** Bytes per receive buffer (default {@link MPIPE_BUFFER_SIZE}). */
  readonly bufferSize?: number;
  /** Buffers in the stack (default: as many as fit in the region after `bufferOffset`). */
  readonly buffers?: number;
  /** Offset of the first receive buffer in the region. */
  readonly bufferOffset?: number;
  /** Load-balancer buckets (default {@link MPIPE_BUCKETS}). */
  readonly buckets?: number;
  /** Entries per notification ring (default {@link MPIPE_RING_ENTRIES}). */
  readonly ringEntries?: number;
  /** Ingress DMA latency (default {@link INGRESS_DMA_LATENCY}). */
  readonly ingressLatency?: Time;
  /** Egress DMA latency (default {@link EGRESS_DMA_LATENCY}). */
  readonly egressLatency?: Time;
  /** Egress ring entries (default {@link MPIPE_EGRESS_FRAMES}). */
  readonly egressQueueFrames?: number;
  /** The Memory handed out in RxBuffer refs for a worker (default `rxRegion.view("stack:<w>")`). */
  readonly rxView?: (worker: number) => Memory;
  /** Where non-IP and malformed frames go (default "mac-hash"). */
  readonly nonIp?: "mac-hash" | "worker0";
  /**
   * Mixes the flow hash with this key before the bucket is chosen (default 0:
   * mPIPE's hash as is). Two NICs with different keys spread the same flows
   * independently, as an x86 NIC's Toeplitz RSS hash and mPIPE's are
   * unrelated; with the same hash on both ends of a testbed, the flows a
   * client steers to one of its queues would reach only a few server cores.
   */
  readonly hashKey?: number;
  /** The NIC's own protection domain (default {@link NIC_DOMAIN}). */
  readonly domain?: string;
}

/** The NIC's counters. */
export interface MpipeStats {
  /** Frames received. */
  rxFrames: number;
  /** Bytes received. */
  rxBytes: number;
  /** Frames pushed onto notification rings. */
  rxDelivered: number;
  /** Received frames dropped, by reason. */
  rxDrops: Record<RxDropReason, number>;
  /** Delivered frames that were non-IP or malformed IP (the stack decides what to do). */
  rxNonIp: number;
  /** Delivered frames classified as malformed IP. */
  rxMalformed: number;
  /** Buffers released by consumers. */
  rxReleased: number;
  /** Frames sent. */
  txFrames: number;
  /** Bytes sent. */
  txBytes: number;
  /** Frames not sent, by reason. */
  txDrops: Record<TxDropReason, number>;
  /** Frames that found the egress ring full and waited in a port's backlog (none were lost). */
  txDeferred: number;
  /** Most frames waiting in one port's backlog at once. */
  txBacklogMax: number;
  /** Frames and bytes delivered to each worker. */
  perWorker: { frames: number; bytes: number }[];
  /** Frames received on (before any drop) and transmitted from each attached port. */
  perPort: { rxFrames: number; txFrames: number }[];
}

/** The reference of a received frame (mutable inside the NIC, readonly to consumers). */
export class SlotRef implements BufRef {
  /** Receive region the buffer is in. */
  mem: Memory;
  /** Offset of the buffer in the region. */
  off: number;
  /** Length of the frame in the buffer. */
  len = 0;
  /** A reference to the buffer at `off` of `mem`. */
  constructor(mem: Memory, off: number) {
    this.mem = mem;
    this.off = off;
  }
}

const SLOT_FREE = 0;
const SLOT_DMA = 1;
const SLOT_RING = 2;
const SLOT_HELD = 3;

/** A receive buffer slot; one object per hardware buffer, reused frame after frame. */
export class MpipeRxBuffer implements RxBuffer {
  /** Where the frame is. */
  readonly ref: SlotRef;
  /** Buffer index in the NIC's pool. */
  readonly index: number;
  /** Port the frame came in on, its load-balancer bucket and worker, and when it was delivered. */
  port = 0;
  /** Load-balancer bucket the frame hashed to. */
  bucket = 0;
  /** Worker whose ring the frame was pushed onto. */
  worker = 0;
  // Initialised here, not through constructor parameter properties (which
  // would make every field tagged and every time stored a new heap number).
  /** When the frame was delivered. */
  deliveredAt: Time = 0;
  /** @internal slot state */
  state = SLOT_FREE;
  private readonly nic: Mpipe;

  /** Slot `index` of `nic`, at `off` of `mem`. */
  constructor(nic: Mpipe, index: number, mem: Memory, off: number) {
    this.nic = nic;
    this.index = index;
    this.ref = new SlotRef(mem, off);
  }

  /** Returns the buffer to the NIC's buffer stack (exactly once per frame). */
  release(): void {
    this.nic.releaseBuffer(this);
  }
}

/** A worker's bounded notification ring of received buffers. */
export class NotifRing {
  /** Ring entries. */
  readonly capacity: number;
  /** Most entries at once. */
  highWater = 0;
  private readonly slots: Int32Array;
  private head = 0;
  private count = 0;

  /** A ring of `capacity` entries over the NIC's buffers `bufs`. */
  constructor(private readonly bufs: readonly MpipeRxBuffer[], capacity: number) {
    this.capacity = capacity;
    this.slots = new Int32Array(capacity);
  }

  /** Entries in the ring. */
  get length(): number {
    return this.count;
  }

  /** Takes the oldest buffer, or undefined when empty. The consumer must release() it. */
  pop(): MpipeRxBuffer | undefined {
    if (this.count === 0) return undefined;
    const b = this.bufs[this.slots[this.head]];
    // Wrap with a comparison rather than `%` (an integer division).
    const next = this.head + 1;
    this.head = next === this.capacity ? 0 : next;
    this.count--;
    b.state = SLOT_HELD;
    return b;
  }

  /** @internal */
  push(index: number): boolean {
    if (this.count === this.capacity) return false;
    const tail = this.head + this.count;
    this.slots[tail >= this.capacity ? tail - this.capacity : tail] = index;
    this.count++;
    if (this.count > this.highWater) this.highWater = this.count;
    return true;
  }
}

/**
 * One attached link. Frames handed to the link stay "in flight" (they count
 * against the egress queue) until their serialization ends; `wire` holds them
 * in order and `ends` (a ring of `egressFrames` entries) their end times.
 */
interface Port {
  readonly index: number;
  readonly end: LinkEnd;
  readonly wire: Fifo<TxFrame>;
  readonly ends: Float64Array;
  endsHead: number;
  inflight: number;
  /** Most frames posted at once: the eDMA ring size, capped by the link's queue. */
  readonly limit: number;
  /** Frames accepted while the ring was full, waiting to be posted (FIFO). */
  readonly backlog: Fifo<TxFrame>;
  /** A drain event is pending for this port. */
  drainArmed: boolean;
}

function posInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`mpipe: ${name} must be a positive integer, got ${v}`);
  }
  return v;
}

function nonNegInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0) {
    throw new RangeError(`mpipe: ${name} must be a non-negative integer, got ${v}`);
  }
  return v;
}

/**
 * The mPIPE NIC: classifier, flow hash, buckets, buffer stack, notification rings, ingress DMA and
 * gather egress DMA.
 */
export class Mpipe {
  /** Workers (notification rings). */
  readonly workers: number;
  /** Load-balancer buckets. */
  readonly buckets: number;
  /** Bytes per receive buffer. */
  readonly bufferSize: number;
  /** The receive buffers. */
  readonly pool: BufferPool;
  /** Protection domain the NIC accesses memory as. */
  readonly domain: string;
  private readonly st: MpipeStats;
  /** The last protection fault met by egress DMA (for diagnostics). */
  lastFault: ProtectionFault | null = null;

  private readonly nicView: RegionView;
  private readonly rxViews: Memory[];
  private readonly bufs: MpipeRxBuffer[];
  private readonly rings: NotifRing[];
  private readonly wakes: (((t: Time, worker: number) => void) | null)[];
  private readonly bucketMap: Int32Array;
  private readonly ingressLatency: Time;
  private readonly egressLatency: Time;
  private readonly egressFrames: number;
  private readonly nonIpToZero: boolean;
  private readonly hashKey: number = 0;
  private readonly ports: Port[] = [];
  private readonly cls: Classification = { cls: "runt", hash: 0 };
  /** Where egress frames are gathered (fresh, zeroed, never reused; see core/bytes.ts). */
  private readonly frameSlab = new ByteSlab();
  private lastTxMem: RegionView | null = null;
  private lastTxView: RegionView | null = null;

  /** A NIC on `sched` shaped by `cfg`. */
  constructor(private readonly sched: Scheduler, cfg: MpipeConfig) {
    this.workers = posInt(cfg.workers, "workers");
    this.buckets = posInt(cfg.buckets ?? MPIPE_BUCKETS, "buckets");
    this.bufferSize = posInt(cfg.bufferSize ?? MPIPE_BUFFER_SIZE, "bufferSize");
    this.domain = cfg.domain ?? NIC_DOMAIN;
    const region = cfg.rxRegion;
    if (region.permission(this.domain) !== "read-write") {
      throw new Error(
        `mpipe: domain "${this.domain}" needs read-write on receive region "${region.name}" (has ${
          region.permission(this.domain)
        })`,
      );
    }
    const offset = nonNegInt(cfg.bufferOffset ?? 0, "bufferOffset");
    const count = cfg.buffers ?? Math.floor((region.size - offset) / this.bufferSize);
    this.pool = new BufferPool(region, {
      bufSize: this.bufferSize,
      count: posInt(count, "buffers"),
      offset,
    });
    this.nicView = region.view(this.domain);
    const viewOf = cfg.rxView ?? ((w: number) => region.view(`stack:${w}`));
    this.rxViews = Array.from({ length: this.workers }, (_, w) => viewOf(w));
    this.bufs = Array.from(
      { length: this.pool.capacity },
      (_, i) => new MpipeRxBuffer(this, i, this.rxViews[0], this.pool.offsetOf(i)),
    );
    const ringEntries = posInt(cfg.ringEntries ?? MPIPE_RING_ENTRIES, "ringEntries");
    this.rings = Array.from({ length: this.workers }, () => new NotifRing(this.bufs, ringEntries));
    this.wakes = new Array(this.workers).fill(null);
    this.bucketMap = new Int32Array(this.buckets);
    for (let b = 0; b < this.buckets; b++) this.bucketMap[b] = b % this.workers;
    this.ingressLatency = nonNegInt(cfg.ingressLatency ?? INGRESS_DMA_LATENCY, "ingressLatency");
    this.egressLatency = nonNegInt(cfg.egressLatency ?? EGRESS_DMA_LATENCY, "egressLatency");
    this.egressFrames = posInt(cfg.egressQueueFrames ?? MPIPE_EGRESS_FRAMES, "egressQueueFrames");
    this.nonIpToZero = (cfg.nonIp ?? "mac-hash") === "worker0";
    this.hashKey = (cfg.hashKey ?? 0) >>> 0;
    const zeroDrops = <K extends string>(keys: readonly K[]) =>
      Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
    this.st = {
      rxFrames: 0,
      rxBytes: 0,
      rxDelivered: 0,
      rxDrops: zeroDrops(RX_DROP_REASONS),
      rxNonIp: 0,
      rxMalformed: 0,
      rxReleased: 0,
      txFrames: 0,
      txBytes: 0,
      txDrops: zeroDrops(TX_DROP_REASONS),
      txDeferred: 0,
      txBacklogMax: 0,
      perWorker: Array.from({ length: this.workers }, () => ({ frames: 0, bytes: 0 })),
      perPort: [],
    };
  }

  /**
   * Counters. Transmitted frames are counted when their serialization has
   * ended by the scheduler's current time (see {@link retire}).
   */
  get stats(): MpipeStats {
    const now = this.sched.now;
    for (let i = 0; i < this.ports.length; i++) this.retire(this.ports[i], now);
    return this.st;
  }

  /**
   * Zeroes the counters at the start of a measurement window: frames, bytes,
   * drops, deferrals, per-worker counts; high-water marks restart from the
   * current level. State is kept: buffers held or on rings, the backlogs and
   * frames in flight (a frame on the wire at the reset is counted when it
   * leaves, in the new window).
   */
  resetStats(): void {
    const now = this.sched.now;
    for (let i = 0; i < this.ports.length; i++) this.retire(this.ports[i], now);
    const st = this.st;
    st.rxFrames = 0;
    st.rxBytes = 0;
    st.rxDelivered = 0;
    for (const r of RX_DROP_REASONS) st.rxDrops[r] = 0;
    st.rxNonIp = 0;
    st.rxMalformed = 0;
    st.rxReleased = 0;
    st.txFrames = 0;
    st.txBytes = 0;
    for (const r of TX_DROP_REASONS) st.txDrops[r] = 0;
    st.txDeferred = 0;
    let backlog = 0;
    for (const p of this.ports) if (p.backlog.length > backlog) backlog = p.backlog.length;
    st.txBacklogMax = backlog;
    for (const w of st.perWorker) {
      w.frames = 0;
      w.bytes = 0;
    }
    for (const p of st.perPort) {
      p.rxFrames = 0;
      p.txFrames = 0;
    }
    for (const r of this.rings) r.highWater = r.length;
  }

  /** The flow hash mixed with {@link MpipeConfig.hashKey} (unchanged without one). */
  private keyed(h: number): number {
    const key = this.hashKey;
    if (key === 0) return h;
    // The murmur3 32-bit finalizer over hash ^ key.
    let x = (h ^ key) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
  }

  /** Connects a link end as the next port; returns its port number. */
  attachPort(end: LinkEnd): number {
    const port: Port = {
      index: this.ports.length,
      end,
      wire: new Fifo(),
      ends: new Float64Array(this.egressFrames),
      endsHead: 0,
      inflight: 0,
      limit: Math.min(this.egressFrames, end.capacity),
      backlog: new Fifo(),
      drainArmed: false,
    };
    this.ports.push(port);
    this.st.perPort.push({ rxFrames: 0, txFrames: 0 });
    end.onFrame = (t, frame) => this.ingress(t, port.index, frame);
    return port.index;
  }

  /** Ports attached. */
  get portCount(): number {
    return this.ports.length;
  }

  /** Sets the callback run when a buffer is pushed onto `worker`'s ring. */
  setWake(worker: number, fn: ((t: Time, worker: number) => void) | null): void {
    this.checkWorker(worker);
    this.wakes[worker] = fn;
  }

  /** Sends load-balancer bucket `bucket` to `worker`. */
  mapBucket(bucket: number, worker: number): void {
    if (!Number.isInteger(bucket) || bucket < 0 || bucket >= this.buckets) {
      throw new RangeError(`mpipe: bucket ${bucket} out of range 0..${this.buckets - 1}`);
    }
    this.checkWorker(worker);
    this.bucketMap[bucket] = worker;
  }

  /** The bucket of a transport flow (either direction; see hw/flowhash.ts). */
  bucketOf(proto: number, ipA: number, portA: number, ipB: number, portB: number): number {
    return this.keyed(flowHash(proto, ipA, portA, ipB, portB)) % this.buckets;
  }

  /** The worker a transport flow lands on. */
  workerOf(proto: number, ipA: number, portA: number, ipB: number, portB: number): number {
    return this.bucketMap[this.bucketOf(proto, ipA, portA, ipB, portB)];
  }

  /** A worker's notification ring. */
  ring(worker: number): NotifRing {
    this.checkWorker(worker);
    return this.rings[worker];
  }

  /** Pops up to `max` buffers of `worker` into out[0..n); returns n. */
  poll(worker: number, max: number, out: MpipeRxBuffer[]): number {
    const r = this.ring(worker);
    let n = 0;
    while (n < max) {
      const b = r.pop();
      if (b === undefined) break;
      out[n++] = b;
    }
    return n;
  }

  /** @internal Called by {@link MpipeRxBuffer.release}. */
  releaseBuffer(b: MpipeRxBuffer): void {
    if (b.state !== SLOT_HELD && b.state !== SLOT_RING) {
      throw new Error(`mpipe: receive buffer ${b.index} released twice (or never delivered)`);
    }
    if (b.state === SLOT_RING) {
      throw new Error(
        `mpipe: receive buffer ${b.index} released while still on a notification ring`,
      );
    }
    b.state = SLOT_FREE;
    this.st.rxReleased++;
    this.pool.free(b.index);
  }

  /**
   * Queues a frame for egress on `port`. Returns true when the frame was
   * accepted (posted now, or waiting in the port's backlog until the ring has
   * room); false, after counting the drop and calling onSent, only when the
   * egress DMA cannot read it.
   */
  transmit(now: Time, port: number, frame: TxFrame): boolean {
    if (!(port >>> 0 === port && port < this.ports.length)) {
      throw new RangeError(`mpipe: no port ${port} (${this.ports.length} attached)`);
    }
    const p = this.ports[port];
    this.retire(p, now);
    if (p.backlog.length > 0 || p.inflight >= p.limit) {
      p.backlog.push(frame);
      const st = this.st;
      st.txDeferred++;
      if (p.backlog.length > st.txBacklogMax) st.txBacklogMax = p.backlog.length;
      this.armDrain(p);
      return true;
    }
    return this.post(p, now, frame);
  }

  /** Frames waiting in `port`'s backlog for room in the egress ring. */
  backlogOf(port: number): number {
    return this.ports[port]?.backlog.length ?? 0;
  }

  /** Posts a frame to the port's eDMA ring (there is room). */
  private post(p: Port, now: Time, frame: TxFrame): boolean {
    let bytes: Uint8Array;
    try {
      bytes = this.gather(frame);
    } catch (e) {
      if (e instanceof ProtectionFault) {
        this.lastFault = e;
        return this.txDrop(frame, "protection_fault");
      }
      throw e;
    }
    if (frame.l4ChecksumOffload && !this.offloadChecksum(frame, bytes)) {
      return this.txDrop(frame, "bad_descriptor");
    }
    // The egress DMA hands the frame to the link egressLatency later. That
    // latency is the same for every frame, so a port's frames reach its link
    // in the order they are posted here, and nothing else sends on the
    // link: handing the frame over now, stamped with its DMA completion time,
    // is the same as doing it from an event at that time (the link queues by
    // time) and saves that event. The link has room: p.limit does not exceed
    // its queue, and every frame on it is counted in p.inflight.
    p.inflight++;
    if (!p.end.send(now + this.egressLatency, bytes)) {
      throw new Error(`mpipe: link of port ${p.index} refused a frame within its queue bound`);
    }
    // The frame leaves the NIC when the link has serialized it (the link's
    // busy time now ends with this frame). In-flight frames are retired
    // lazily, by the next transmit or a read of the counters: nothing but
    // them depends on the moment, so no event is needed, except to run a
    // frame's onSent callback on time.
    const end = p.end.lastFinish;
    let tail = p.endsHead + p.wire.length;
    if (tail >= p.ends.length) tail -= p.ends.length;
    p.ends[tail] = end;
    p.wire.push(frame);
    if (frame.onSent !== undefined) this.sched.post(end, runOnSent, frame);
    return true;
  }

  /** Schedules a drain of `p`'s backlog when its oldest in-flight frame leaves. */
  private armDrain(p: Port): void {
    if (p.drainArmed) return;
    p.drainArmed = true;
    this.sched.post(p.ends[p.endsHead], this.drain, p);
  }

  /** Event handler: frames have left `p`; post waiting frames while there is room. */
  private readonly drain = (t: Time, p: Port): void => {
    p.drainArmed = false;
    this.retire(p, t);
    while (p.backlog.length > 0 && p.inflight < p.limit) this.post(p, t, p.backlog.shift()!);
    if (p.backlog.length > 0) this.armDrain(p);
  };

  /** Retires the frames of `p` whose serialization ended by `now` (see {@link transmit}). */
  private retire(p: Port, now: Time): void {
    const st = this.st;
    while (p.wire.length > 0 && p.ends[p.endsHead] <= now) {
      const frame = p.wire.shift()!;
      p.endsHead = p.endsHead + 1 === p.ends.length ? 0 : p.endsHead + 1;
      p.inflight--;
      st.txFrames++;
      st.perPort[p.index].txFrames++;
      st.txBytes += frame.header.length;
      const payload = frame.payload;
      for (let i = 0; i < payload.length; i++) st.txBytes += payload[i].len;
    }
  }

  /** Throws unless `w` is a worker index. */
  private checkWorker(w: number): void {
    // `w >>> 0 === w` admits exactly the whole numbers 0..2^32-1 (and -0): the fast valid case.
    if (w >>> 0 === w && w < this.workers) return;
    if (!Number.isInteger(w) || w < 0 || w >= this.workers) {
      throw new RangeError(`mpipe: worker ${w} out of range 0..${this.workers - 1}`);
    }
  }

  /** A frame arrives on `port` at `t`: classify, take a buffer, DMA, notify. */
  private ingress(t: Time, port: number, frame: Uint8Array): void {
    const st = this.st;
    st.rxFrames++;
    st.rxBytes += frame.length;
    st.perPort[port].rxFrames++;
    const c = classifyFrame(frame, this.cls);
    if (c.cls === "runt") {
      st.rxDrops.runt++;
      return;
    }
    if (frame.length > this.bufferSize) {
      st.rxDrops.oversize++;
      return;
    }
    const unclassified = c.cls === "non-ip" || c.cls === "malformed";
    const bucket = unclassified && this.nonIpToZero ? -1 : this.keyed(c.hash) % this.buckets;
    const idx = this.pool.alloc();
    if (idx < 0) {
      st.rxDrops.no_buffer++;
      return;
    }
    const b = this.bufs[idx];
    this.nicView.write(b.ref.off, frame);
    b.ref.len = frame.length;
    b.port = port;
    b.bucket = bucket;
    b.worker = bucket < 0 ? 0 : this.bucketMap[bucket];
    b.state = SLOT_DMA;
    if (c.cls === "non-ip") st.rxNonIp++;
    else if (c.cls === "malformed") st.rxMalformed++;
    this.sched.post(t + this.ingressLatency, this.ingressDone, b);
  }

  /** End of ingress DMA (an event handler: an arrow function, called without a wrapper). */
  private readonly ingressDone = (t: Time, b: MpipeRxBuffer): void => {
    const w = b.worker;
    if (!this.rings[w].push(b.index)) {
      this.st.rxDrops.ring_full++;
      b.state = SLOT_FREE;
      this.pool.free(b.index);
      return;
    }
    b.state = SLOT_RING;
    b.ref.mem = this.rxViews[w];
    b.deliveredAt = t;
    const st = this.st;
    st.rxDelivered++;
    const pw = st.perWorker[w];
    pw.frames++;
    pw.bytes += b.ref.len;
    const wake = this.wakes[w];
    if (wake !== null) wake(t, w);
  };

  /** Copies header and payload into one frame, reading payload through the NIC's own views. */
  private gather(frame: TxFrame): Uint8Array {
    // Indexed loops: payload lists are small and of mixed array shapes, where
    // for-of falls back to allocating iterator results.
    const payload = frame.payload;
    let len = frame.header.length;
    for (let i = 0; i < payload.length; i++) len += payload[i].len;
    const out = this.frameSlab.alloc(len);
    out.set(frame.header, 0);
    let o = frame.header.length;
    for (let i = 0; i < payload.length; i++) {
      const r = payload[i];
      const mem = r.mem;
      if (mem === this.lastTxMem || isRegionView(mem)) {
        this.nicViewOf(mem as RegionView).readInto(r.off, r.len, out, o);
      } else out.set(mem.read(r.off, r.len), o);
      o += r.len;
    }
    return out;
  }

  /**
   * The NIC's view of the region behind `mem` (remembering the last one:
   * egress reads through the same view frame after frame).
   */
  private nicViewOf(mem: RegionView): RegionView {
    if (mem !== this.lastTxMem) {
      this.lastTxMem = mem;
      this.lastTxView = regionOf(mem).view(this.domain);
    }
    return this.lastTxView!;
  }

  /** Stores the L4 checksum; false when the descriptor's offsets are invalid. */
  private offloadChecksum(frame: TxFrame, bytes: Uint8Array): boolean {
    const { csumStart: s, csumField: f } = frame;
    if (!Number.isInteger(s) || !Number.isInteger(f) || s < 0 || f < s || f + 2 > bytes.length) {
      return false;
    }
    let c = internetChecksum(bytes, s, bytes.length - s);
    if (c === 0 && f - s === UDP_CHECKSUM_OFFSET) c = 0xffff;
    bytes[f] = c >>> 8;
    bytes[f + 1] = c & 0xff;
    return true;
  }

  /** Counts a transmit drop and releases the frame. */
  private txDrop(frame: TxFrame, reason: TxDropReason): false {
    this.st.txDrops[reason]++;
    if (frame.onSent !== undefined) frame.onSent();
    return false;
  }
}

/** Event handler: a transmitted frame has left; its owner may reuse the payload. */
const runOnSent = (_t: Time, frame: TxFrame): void => frame.onSent!();

/** Verifies an L4 checksum in place (sum over frame[start..] plus `pseudo` must fold to 0xffff). */
export function l4ChecksumOk(frame: Uint8Array, start: number, pseudo: number): boolean {
  return fold(checksumAdd(pseudo, frame, start, frame.length - start)) === 0xffff;
}

/**
 * Full-duplex point-to-point Ethernet link.
 *
 * Each end sends frames (the bytes from the destination MAC up to the end of
 * the payload, without the 4-byte FCS) to the other end. A frame occupies the
 * wire for max(len, 60) + 4 (FCS) + 8 (preamble/SFD) + 12 (inter-frame gap)
 * bytes at the line rate (docs/PAPER.md: 0.8 ns per byte at 10 Gb/s; a 64-byte frame
 * is 67.2 ns, a 1518-byte one 1230.4 ns), frames serialize back to back per
 * direction, and arrive a propagation delay after their last bit left.
 *
 * Each direction has a bounded egress queue counted in frames (queued or being
 * serialized); a frame that finds it full is dropped and counted. A direction
 * may have a {@link FaultInjector}, applied to each frame as it arrives.
 *
 * Ownership: the frame array passes to the link on `send` and to the receiver
 * on delivery; the sender must not modify it afterwards.
 */
import type { Scheduler } from "../core/scheduler.ts";
import { NS, type Time } from "../core/time.ts";
import type { FaultInjector } from "./fault.ts";

/** Shortest Ethernet frame without FCS (64 bytes on the wire including the FCS; IEEE 802.3). */
export const ETH_MIN_FRAME = 60;
/** Frame check sequence (IEEE 802.3). */
export const ETH_FCS_BYTES = 4;
/** Preamble plus start-of-frame delimiter (IEEE 802.3; docs/PAPER.md). */
export const ETH_PREAMBLE_BYTES = 8;
/** Minimum inter-frame gap (IEEE 802.3; docs/PAPER.md). */
export const ETH_IFG_BYTES = 12;
/** 10 GbE line rate in bits per second. */
export const TEN_GBE_BPS = 10_000_000_000;
/** Signal propagation: about 5 ns per metre in copper or fibre (velocity factor ~0.67). */
export const PROPAGATION_PER_METRE: Time = 5 * NS;
/** Default cable: 5 m (approximation of a rack-local direct-attach cable). */
export const DEFAULT_CABLE_METRES = 5;
/** Default egress queue bound per direction, in frames (approximation of a NIC transmit ring). */
export const DEFAULT_LINK_QUEUE_FRAMES = 1024;
/** Picoseconds per second and bits per byte, for rate conversions. */
const PS_PER_SEC = 1e12;
const BITS_PER_BYTE = 8;

/** Bytes a frame of `len` bytes (without FCS) occupies on the wire, including preamble and gap. */
export function wireBytes(len: number): number {
  return Math.max(len, ETH_MIN_FRAME) + ETH_FCS_BYTES + ETH_PREAMBLE_BYTES + ETH_IFG_BYTES;
}

/** Wire time of a frame of `len` bytes (without FCS) at `bps`, rounded to the picosecond. */
export function wireTime(len: number, bps: number = TEN_GBE_BPS): Time {
  return Math.round((wireBytes(len) * BITS_PER_BYTE * PS_PER_SEC) / bps);
}

/** Receives a frame at time `t` (after wire time and propagation). */
export type FrameHandler = (t: Time, frame: Uint8Array) => void;

/** A link's rate, cable, queue and faults (every field optional). */
export interface LinkConfig {
  /** Line rate in bits per second (default {@link TEN_GBE_BPS}). */
  readonly rateBps?: number;
  /** One-way propagation delay (default 5 m of cable: 25 ns). */
  readonly propagation?: Time;
  /** Egress queue bound per direction in frames (default {@link DEFAULT_LINK_QUEUE_FRAMES}). */
  readonly queueFrames?: number;
  /** Fault injector for frames sent by end a (towards b). */
  readonly faultAtoB?: FaultInjector;
  /** Fault injector for frames sent by end b (towards a). */
  readonly faultBtoA?: FaultInjector;
}

/** Traffic of one link direction. */
export interface DirectionStats {
  /** Frames accepted for transmission, their bytes (without FCS) and wire bytes. */
  frames: number;
  /** Bytes of the frames (without FCS). */
  bytes: number;
  /** Bytes on the wire (with FCS, preamble, inter-frame gap and padding). */
  wireBytes: number;
  /** Frames dropped because the egress queue was full. */
  drops: number;
  /** Time the wire was busy. */
  busy: Time;
  /** Most frames queued at once (including the one on the wire). */
  maxQueue: number;
  /** Frames handed to the receiver (after any fault injection). */
  delivered: number;
  /** Frames that arrived while the receiving end had no handler. */
  unclaimed: number;
}

/** One end of a link: sends towards its peer, receives what the peer sends. */
export class LinkEnd {
  /** Receives frames sent by the peer. */
  onFrame: FrameHandler | null = null;
  /** Called when a frame this end sent has finished serializing (the NIC's completion). */
  onTransmitted: FrameHandler | null = null;
  /** Statistics of the direction this end sends on. */
  readonly tx: DirectionStats = {
    frames: 0,
    bytes: 0,
    wireBytes: 0,
    drops: 0,
    busy: 0,
    maxQueue: 0,
    delivered: 0,
    unclaimed: 0,
  };
  /** The other end of the link. */
  peer!: LinkEnd;

  /** End name (for statistics). */
  readonly name: string;
  private readonly sched: Scheduler;
  // Numeric fields are declared with a numeric initialiser (no constructor
  // parameter properties): a field that first holds `undefined` gets a tagged
  // representation, and then every store of a time allocates a heap number.
  private readonly rateBps: number = 0;
  private readonly propagation: Time = 0;
  private readonly fault: FaultInjector | undefined;
  private readonly finish: Float64Array;
  private head = 0;
  private count = 0;
  private busyUntil: Time = 0;
  private readonly doneFn: FrameHandler;
  private readonly arriveFn: FrameHandler;
  private readonly deliverFn: FrameHandler;

  /** One end of a link; {@link EthernetLink} makes them in pairs. */
  constructor(
    sched: Scheduler,
    name: string,
    rateBps: number,
    propagation: Time,
    queueFrames: number,
    fault: FaultInjector | undefined,
  ) {
    this.sched = sched;
    this.name = name;
    this.rateBps = rateBps;
    this.propagation = propagation;
    this.fault = fault;
    this.finish = new Float64Array(queueFrames);
    this.doneFn = (t, f) => {
      if (this.onTransmitted !== null) this.onTransmitted(t, f);
    };
    this.deliverFn = (t, f) => this.peer.receive(t, f, this.tx);
    this.arriveFn = (t, f) => {
      if (this.fault === undefined) this.peer.receive(t, f, this.tx);
      else this.fault.apply(t, f, this.deliverLater);
    };
  }

  /** Most frames this direction's egress queue holds (queued or being serialized). */
  get capacity(): number {
    return this.finish.length;
  }

  /**
   * Zeroes this direction's counters (start of a measurement window); the
   * frames queued or on the wire stay, and `maxQueue` restarts from their
   * number.
   */
  resetStats(): void {
    this.retire(this.sched.now);
    const st = this.tx;
    st.frames = 0;
    st.bytes = 0;
    st.wireBytes = 0;
    st.drops = 0;
    st.busy = 0;
    st.maxQueue = this.count;
    st.delivered = 0;
    st.unclaimed = 0;
  }

  /** Time the last accepted frame's serialization ends (0 before the first). */
  get lastFinish(): Time {
    return this.busyUntil;
  }

  /** Frames queued or on the wire in this end's sending direction at the scheduler's time. */
  get queued(): number {
    this.retire(this.sched.now);
    return this.count;
  }

  /**
   * Queues `frame` (without FCS) for transmission at `now` (>= scheduler time).
   * Returns false, counting a drop, when the egress queue is full.
   */
  send(now: Time, frame: Uint8Array): boolean {
    if (!(now >= this.sched.now)) {
      throw new RangeError(
        `link ${this.name}: send at ${now} ps is before the scheduler time ${this.sched.now} ps`,
      );
    }
    this.retire(now);
    const st = this.tx;
    const cap = this.finish.length;
    if (this.count >= cap) {
      st.drops++;
      return false;
    }
    // wireBytes(), with a comparison for Math.max (the length is a whole number).
    const len = frame.length;
    const wb = (len > ETH_MIN_FRAME ? len : ETH_MIN_FRAME) + ETH_FCS_BYTES + ETH_PREAMBLE_BYTES +
      ETH_IFG_BYTES;
    const dt = Math.round((wb * BITS_PER_BYTE * PS_PER_SEC) / this.rateBps);
    const start = now > this.busyUntil ? now : this.busyUntil;
    const end = start + dt;
    this.busyUntil = end;
    // Ring index without `%` (an integer division): head < cap and count < cap here.
    const tail = this.head + this.count;
    this.finish[tail >= cap ? tail - cap : tail] = end;
    this.count++;
    if (this.count > st.maxQueue) st.maxQueue = this.count;
    st.frames++;
    st.bytes += len;
    st.wireBytes += wb;
    st.busy += dt;
    if (this.onTransmitted !== null) this.sched.post(end, this.doneFn, frame);
    this.sched.post(end + this.propagation, this.arriveFn, frame);
    return true;
  }

  private readonly deliverLater = (t: Time, f: Uint8Array): void => {
    if (t <= this.sched.now) this.peer.receive(t, f, this.tx);
    else this.sched.post(t, this.deliverFn, f);
  };

  /** A frame from the peer arrives at this end. */
  private receive(t: Time, frame: Uint8Array, st: DirectionStats): void {
    if (this.onFrame === null) {
      st.unclaimed++;
      return;
    }
    st.delivered++;
    this.onFrame(t, frame);
  }

  /** Forgets frames whose serialization ended by `now`. */
  private retire(now: Time): void {
    const cap = this.finish.length;
    while (this.count > 0 && this.finish[this.head] <= now) {
      const next = this.head + 1;
      this.head = next === cap ? 0 : next;
      this.count--;
    }
  }
}

/**
 * A full-duplex Ethernet link: two {@link LinkEnd}s, each serializing its frames at the line rate.
 */
export class EthernetLink {
  /** End A. */
  readonly a: LinkEnd;
  /** End B. */
  readonly b: LinkEnd;
  /** Line rate in bits per second. */
  readonly rateBps: number;
  /** One-way propagation delay. */
  readonly propagation: Time;

  /** A link on `sched` with the rate, cable and faults of `cfg`. */
  constructor(sched: Scheduler, cfg: LinkConfig = {}, name = "eth") {
    const rate = cfg.rateBps ?? TEN_GBE_BPS;
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new RangeError(`link ${name}: rateBps must be positive, got ${rate}`);
    }
    const prop = cfg.propagation ?? DEFAULT_CABLE_METRES * PROPAGATION_PER_METRE;
    if (!Number.isInteger(prop) || prop < 0) {
      throw new RangeError(
        `link ${name}: propagation must be a non-negative integer of ps, got ${prop}`,
      );
    }
    const q = cfg.queueFrames ?? DEFAULT_LINK_QUEUE_FRAMES;
    if (!Number.isInteger(q) || q < 1) {
      throw new RangeError(`link ${name}: queueFrames must be >= 1, got ${q}`);
    }
    this.rateBps = rate;
    this.propagation = prop;
    this.a = new LinkEnd(sched, `${name}.a`, rate, prop, q, cfg.faultAtoB);
    this.b = new LinkEnd(sched, `${name}.b`, rate, prop, q, cfg.faultBtoA);
    this.a.peer = this.b;
    this.b.peer = this.a;
  }

  /** Zeroes both directions' counters (see {@link LinkEnd.resetStats}). */
  resetStats(): void {
    this.a.resetStats();
    this.b.resetStats();
  }
}

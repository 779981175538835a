/**
 * An in-memory network for tests and benchmarks: N {@link Stack}s on one
 * Ethernet switch, driven by a {@link Scheduler}.
 *
 * Frame path: a stack transmits a {@link TxFrame}; the harness flattens it
 * (header + gathered payload, the TCP checksum filled in when the stack asked
 * for offload, padded to the 60-byte Ethernet minimum), passes it through the
 * node's optional transmit {@link FrameFilter} (e.g. hw/fault.ts's
 * FaultInjector), serialises it on the node's uplink at the link rate, adds
 * the link latency, and at the switch (where the optional pcap tap records
 * it) forwards it to the destination MAC's port (broadcast and unknown unicast
 * flood to every other port). The egress port serialises it again (frames
 * queue there, so incast shows up as delay), the receiver's optional receive
 * filter applies, and the frame is handed to `stack.receive` as an
 * {@link RxBuffer} over {@link Bytes}. For a stack configured with
 * `rxChecksumOffload` the harness plays the NIC and drops IPv4/TCP frames
 * whose TCP checksum is wrong (counted in `node.nicChecksumDrops`).
 *
 * Timers: after every call into a stack (receive, poll, a command) the
 * harness re-arms one scheduler event per stack at `stack.nextDeadline()`.
 *
 * Events: socket events are queued and delivered to the node's callback (or
 * appended to `node.events`) after the stack call that produced them returns,
 * so callbacks may issue commands (through {@link Harness.command} or directly
 * on `node.stack`) without re-entering a stack that is mid-call.
 */
import type { Rng } from "../core/rng.ts";
import type { Scheduler } from "../core/scheduler.ts";
import { SEC, type Time, US } from "../core/time.ts";
import { type Accounting, FREE_ACCOUNTING } from "./accounting.ts";
import { Bytes } from "./buf.ts";
import type { RxBuffer, TxFrame } from "../hw/buffers.ts";
import { checksumAdd, checksumFinish } from "../hw/checksum.ts";
import type { SocketEvent } from "./events.ts";
import type { PcapWriter } from "./pcap.ts";
import { Stack, type StackConfig } from "./stack.ts";
import {
  ETH_HEADER_LEN,
  ETH_MIN_FRAME,
  ETH_TYPE_OFFSET,
  ETHERTYPE_IPV4,
  MAC_LEN,
} from "./wire/ethernet.ts";
import {
  HEADER_WORD_LEN,
  IPPROTO_TCP,
  IPV4_DST_OFFSET,
  IPV4_HEADER_LEN,
  IPV4_IHL_MASK,
  IPV4_PROTOCOL_OFFSET,
  IPV4_SRC_OFFSET,
  IPV4_TOTAL_LEN_OFFSET,
  IPV4_VER_IHL_OFFSET,
  IPV4_VERSION,
} from "./wire/ipv4.ts";
import { get16, get32, put16 } from "./wire/bytes.ts";
import { tcpChecksumOk } from "./wire/tcp.ts";

/** 10 GbE (docs/PAPER.md: TILEncore-Gx36 ports are 10 GbE). */
export const DEFAULT_LINK_RATE_BPS = 10e9;
/** Per-frame propagation + switching latency: 1 us (approximation of a cut-through ToR switch and short cables). */
export const DEFAULT_LINK_LATENCY: Time = 1 * US;
/** Wire overhead per frame beyond its bytes: 4 FCS + 8 preamble/SFD + 12 inter-frame gap (docs/PAPER.md). */
export const ETH_WIRE_OVERHEAD_BYTES = 4 + 8 + 12;
/** Polls of one stack at a single instant before the harness declares its timers stuck. */
const MAX_POLLS_AT_ONE_INSTANT = 10_000;
/** Bits per byte. */
const BITS_PER_BYTE = 8;

export interface LinkConfig {
  /** Link rate in bits per second; 0 means frames take no time to serialise. */
  rateBps: number;
  /** Latency added to every frame between the uplink and the switch's egress port. */
  latency: Time;
  /** Pad frames to the Ethernet minimum like a NIC does (default true). */
  padShortFrames: boolean;
}

/** Anything that decides the fate of a frame; hw/fault.ts's FaultInjector is one. */
export interface FrameFilter {
  /** Calls `deliver(t, frame)` zero or more times with `t >= now`. */
  apply(now: Time, frame: Uint8Array, deliver: (t: Time, frame: Uint8Array) => void): void;
}

export interface HarnessOptions {
  link?: Partial<LinkConfig>;
  /** Records every frame as it reaches the switch. */
  pcap?: PcapWriter | null;
}

export type EventHandler = (ev: SocketEvent, node: HarnessNode, now: Time) => void;

export interface NodeOptions {
  /** Filter on frames this node sends (applied before its uplink). */
  txFault?: FrameFilter | null;
  /** Filter on frames delivered to this node (applied after the switch). */
  rxFault?: FrameFilter | null;
  /** Receives this node's socket events; without it they go to `node.events`. */
  onEvent?: EventHandler | null;
  /** Cost accounting for this stack (default: free). */
  acct?: Accounting;
}

/** One stack attached to the switch. */
export class HarnessNode {
  /** Socket events, when the node has no `onEvent` handler. */
  readonly events: SocketEvent[] = [];
  /** Frames this node transmitted / had delivered to it. */
  txFrames = 0;
  rxFrames = 0;
  /** Receive buffers handed to the stack and not yet released (a leak check for tests). */
  rxOutstanding = 0;
  /** Frames dropped by the emulated NIC's receive checksum check (rxChecksumOffload only). */
  nicChecksumDrops = 0;
  /** @internal Time the node's uplink / the switch port towards it is free. */
  uplinkFree: Time = 0;
  /** @internal */
  downlinkFree: Time = 0;
  /** @internal Pending timer event and its time. */
  timerId = 0;
  /** @internal */
  timerAt: Time = Infinity;
  /** @internal Consecutive polls at `lastPollAt`. */
  pollsAtInstant = 0;
  /** @internal */
  lastPollAt: Time = -1;
  /** @internal Set once the stack exists (constructed after the node). */
  stackRef: Stack | null = null;

  constructor(
    readonly index: number,
    readonly macKey: number,
    readonly txFault: FrameFilter | null,
    readonly rxFault: FrameFilter | null,
    readonly onEvent: EventHandler | null,
    /** Emulate NIC receive checksum verification (the stack trusts it). */
    readonly nicVerifiesL4: boolean,
  ) {}

  get stack(): Stack {
    if (this.stackRef === null) throw new Error("node has no stack yet");
    return this.stackRef;
  }
}

/** A 48-bit MAC as an exact JS number (a Map key without string allocation). */
function macKeyAt(b: Uint8Array, off: number): number {
  let k = 0;
  for (let i = 0; i < MAC_LEN; i++) k = k * 256 + b[off + i];
  return k;
}

/**
 * Flattens a TxFrame into one array: header, then the gathered payload; when
 * `l4ChecksumOffload` is set, computes the L4 checksum from `csumStart` to the
 * end of the packet (the field holds the pseudo-header sum) like a NIC; pads
 * with zeros to `minLen`.
 */
export function flattenTxFrame(frame: TxFrame, minLen = 0): Uint8Array {
  let len = frame.header.length;
  for (const r of frame.payload) len += r.len;
  const out = new Uint8Array(Math.max(len, minLen));
  out.set(frame.header, 0);
  let o = frame.header.length;
  for (const r of frame.payload) {
    out.set(r.mem.read(r.off, r.len), o);
    o += r.len;
  }
  if (frame.l4ChecksumOffload) {
    const sum = checksumAdd(0, out, frame.csumStart, len - frame.csumStart);
    put16(out, frame.csumField, checksumFinish(sum));
  }
  return out;
}

/**
 * What a NIC's receive checksum offload checks: for an IPv4 TCP frame, the
 * TCP checksum; anything else (or anything too malformed to locate the TCP
 * segment) passes through for the stack to judge.
 */
function tcpChecksumPlausible(f: Uint8Array): boolean {
  const ip = ETH_HEADER_LEN;
  if (f.length < ip + IPV4_HEADER_LEN || get16(f, ETH_TYPE_OFFSET) !== ETHERTYPE_IPV4) return true;
  const vihl = f[ip + IPV4_VER_IHL_OFFSET];
  if (vihl >>> 4 !== IPV4_VERSION || f[ip + IPV4_PROTOCOL_OFFSET] !== IPPROTO_TCP) return true;
  const ihl = (vihl & IPV4_IHL_MASK) * HEADER_WORD_LEN;
  const total = get16(f, ip + IPV4_TOTAL_LEN_OFFSET);
  if (ihl < IPV4_HEADER_LEN || total < ihl || ip + total > f.length) return true;
  const src = get32(f, ip + IPV4_SRC_OFFSET), dst = get32(f, ip + IPV4_DST_OFFSET);
  return tcpChecksumOk(f, ip + ihl, total - ihl, src, dst);
}

interface InFlight {
  readonly node: HarnessNode;
  readonly bytes: Uint8Array;
}

export class Harness {
  readonly nodes: HarnessNode[] = [];
  readonly link: LinkConfig;
  private readonly pcap: PcapWriter | null;
  private readonly byMac = new Map<number, HarnessNode>();
  /** Queued socket events (parallel arrays) and the next one to deliver. */
  private readonly qNodes: HarnessNode[] = [];
  private readonly qEvents: SocketEvent[] = [];
  private qHead = 0;
  /** Nodes whose timers must be re-armed once the current call unwinds. */
  private readonly dirty = new Set<HarnessNode>();
  private depth = 0;

  // Long-lived handlers (no closure per frame).
  private readonly onUplink = (now: Time, f: InFlight) => this.uplink(now, f.node, f.bytes);
  private readonly onSwitch = (now: Time, f: InFlight) => this.switchIngress(now, f.node, f.bytes);
  private readonly onDeliver = (now: Time, f: InFlight) => this.deliver(now, f.node, f.bytes);
  private readonly onTimer = (now: Time, node: HarnessNode) => this.timer(now, node);

  constructor(readonly sched: Scheduler, private readonly rng: Rng, opts: HarnessOptions = {}) {
    const link: LinkConfig = {
      rateBps: DEFAULT_LINK_RATE_BPS,
      latency: DEFAULT_LINK_LATENCY,
      padShortFrames: true,
      ...opts.link,
    };
    if (!(link.rateBps >= 0) || !Number.isFinite(link.rateBps)) {
      throw new RangeError(`link rateBps must be a finite number >= 0, got ${link.rateBps}`);
    }
    if (!Number.isInteger(link.latency) || link.latency < 0) {
      throw new RangeError(`link latency must be an integer >= 0 ps, got ${link.latency}`);
    }
    this.link = link;
    this.pcap = opts.pcap ?? null;
  }

  /**
   * Adds a stack. Its random stream is derived from the harness generator and
   * the stack id, so adding nodes never perturbs another node's stream.
   */
  addNode(cfg: StackConfig, opts: NodeOptions = {}): HarnessNode {
    const key = macKeyAt(cfg.mac, 0);
    if (this.byMac.has(key)) throw new Error(`duplicate MAC for stack ${cfg.id}`);
    const node = new HarnessNode(
      this.nodes.length,
      key,
      opts.txFault ?? null,
      opts.rxFault ?? null,
      opts.onEvent ?? null,
      cfg.rxChecksumOffload ?? false,
    );
    const host = {
      transmit: (frame: TxFrame) => this.transmit(node, frame),
      event: (ev: SocketEvent) => {
        this.qNodes.push(node);
        this.qEvents.push(ev);
      },
      acct: opts.acct ?? FREE_ACCOUNTING,
    };
    node.stackRef = new Stack(cfg, host, this.rng.stream(`stack-${cfg.id}`));
    this.nodes.push(node);
    this.byMac.set(key, node);
    return node;
  }

  /**
   * Runs `fn` against the node's stack at the current simulated time, then
   * delivers queued events and re-arms timers. Returns what `fn` returns.
   */
  command<T>(node: HarnessNode, fn: (stack: Stack, now: Time) => T): T {
    return this.guard(node, () => fn(node.stack, this.sched.now));
  }

  /** Schedules {@link command} at absolute time `t`. */
  at(t: Time, node: HarnessNode, fn: (stack: Stack, now: Time) => void): void {
    this.sched.at(t, () => this.command(node, fn));
  }

  /** Hands raw frame bytes straight to a node's stack now (no link, no filters). */
  inject(node: HarnessNode, bytes: Uint8Array): void {
    this.deliver(this.sched.now, node, bytes);
  }

  /** Runs the simulation up to time `t`. */
  runUntil(t: Time): void {
    this.sched.runUntil(t);
  }

  /** Runs the simulation for `dt` more. */
  runFor(dt: Time): void {
    this.sched.runUntil(this.sched.now + dt);
  }

  /** Serialisation time of a frame of `len` bytes on a link. */
  serialization(len: number): Time {
    if (this.link.rateBps === 0) return 0;
    const bits = (len + ETH_WIRE_OVERHEAD_BYTES) * BITS_PER_BYTE;
    return Math.round((bits * SEC) / this.link.rateBps);
  }

  // -------------------------------------------------------------------------

  private guard<T>(node: HarnessNode, fn: () => T): T {
    this.dirty.add(node);
    if (this.depth > 0) return fn();
    this.depth++;
    try {
      const r = fn();
      this.drainEvents();
      return r;
    } finally {
      this.depth--;
      this.rearmDirty();
    }
  }

  private drainEvents(): void {
    const now = this.sched.now;
    while (this.qHead < this.qEvents.length) {
      const i = this.qHead++;
      const node = this.qNodes[i], ev = this.qEvents[i];
      this.dirty.add(node);
      if (node.onEvent !== null) node.onEvent(ev, node, now);
      else node.events.push(ev);
    }
    this.qNodes.length = 0;
    this.qEvents.length = 0;
    this.qHead = 0;
  }

  private rearmDirty(): void {
    for (const node of this.dirty) this.rearm(node);
    this.dirty.clear();
  }

  private rearm(node: HarnessNode): void {
    const dl = node.stack.nextDeadline();
    if (!(dl < Infinity)) {
      if (node.timerId !== 0) this.sched.cancel(node.timerId);
      node.timerId = 0;
      node.timerAt = Infinity;
      return;
    }
    const t = Math.max(dl, this.sched.now);
    if (node.timerId !== 0) {
      if (node.timerAt === t) return;
      this.sched.cancel(node.timerId);
    }
    node.timerAt = t;
    node.timerId = this.sched.at(t, this.onTimer, node);
  }

  private timer(now: Time, node: HarnessNode): void {
    node.timerId = 0;
    node.timerAt = Infinity;
    if (now === node.lastPollAt) {
      if (++node.pollsAtInstant > MAX_POLLS_AT_ONE_INSTANT) {
        throw new Error(
          `stack ${node.stack.id}: nextDeadline() stays at ${now} ps after ${MAX_POLLS_AT_ONE_INSTANT} polls`,
        );
      }
    } else {
      node.lastPollAt = now;
      node.pollsAtInstant = 0;
    }
    this.guard(node, () => node.stack.poll(now));
  }

  private transmit(node: HarnessNode, frame: TxFrame): void {
    const bytes = flattenTxFrame(frame, this.link.padShortFrames ? ETH_MIN_FRAME : 0);
    frame.onSent?.();
    node.txFrames++;
    const now = this.sched.now;
    if (node.txFault === null) this.uplink(now, node, bytes);
    else {
      node.txFault.apply(now, bytes, (t, f) => {
        if (t === this.sched.now) this.uplink(t, node, f);
        else this.sched.at(t, this.onUplink, { node, bytes: f });
      });
    }
  }

  private uplink(t: Time, node: HarnessNode, bytes: Uint8Array): void {
    const start = Math.max(t, node.uplinkFree);
    node.uplinkFree = start + this.serialization(bytes.length);
    this.sched.at(node.uplinkFree + this.link.latency, this.onSwitch, { node, bytes });
  }

  private switchIngress(now: Time, from: HarnessNode, bytes: Uint8Array): void {
    this.pcap?.record(now, bytes);
    if (bytes.length < MAC_LEN) return;
    const multicast = (bytes[0] & 1) === 1;
    const to = multicast ? undefined : this.byMac.get(macKeyAt(bytes, 0));
    if (to !== undefined) {
      if (to !== from) this.egress(now, to, bytes);
      return;
    }
    for (const n of this.nodes) if (n !== from) this.egress(now, n, bytes);
  }

  private egress(now: Time, to: HarnessNode, bytes: Uint8Array): void {
    const start = Math.max(now, to.downlinkFree);
    to.downlinkFree = start + this.serialization(bytes.length);
    const at = to.downlinkFree;
    if (to.rxFault === null) this.sched.at(at, this.onDeliver, { node: to, bytes });
    else {
      to.rxFault.apply(
        at,
        bytes,
        (t, f) => this.sched.at(t, this.onDeliver, { node: to, bytes: f }),
      );
    }
  }

  private deliver(now: Time, node: HarnessNode, bytes: Uint8Array): void {
    if (node.nicVerifiesL4 && !tcpChecksumPlausible(bytes)) {
      node.nicChecksumDrops++;
      return;
    }
    node.rxFrames++;
    node.rxOutstanding++;
    let released = false;
    const rx: RxBuffer = {
      ref: { mem: new Bytes(bytes, `rx-${node.index}`), off: 0, len: bytes.length },
      release: () => {
        if (released) throw new Error(`stack ${node.stack.id}: receive buffer released twice`);
        released = true;
        node.rxOutstanding--;
      },
    };
    this.guard(node, () => node.stack.receive(now, rx));
  }
}

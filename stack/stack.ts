/**
 * One share-nothing network stack instance: Ethernet, ARP, IPv4, ICMP echo and
 * the glue to the TCP layer.
 *
 * Sans-IO: the host hands received frames to {@link Stack.receive}, calls
 * {@link Stack.poll} at {@link Stack.nextDeadline}, and issues socket commands;
 * the stack answers through {@link StackHost.transmit} (frames) and
 * {@link StackHost.event} (socket events). Time is whatever the caller passes.
 *
 * Receive: every malformed or unwanted frame is counted in
 * {@link Stack.stats}.drops by reason and dropped; nothing a peer can send
 * makes `receive` throw. Valid TCP segments go to the TCP layer with a
 * {@link SharedRx} hold on the frame (zero copy: the payload is a reference
 * into the receive buffer).
 *
 * Transmit: headers (Ethernet + IPv4 + TCP from the repr) are built into a
 * fresh header buffer; the payload stays as references (zero copy) for the
 * NIC to gather. The TCP checksum is computed in software over header and
 * payload (charged per byte) or, with `txChecksumOffload`, left to the NIC
 * with the pseudo-header sum in the field. The next hop is the destination
 * when on-link, else the gateway; it is resolved through the ARP cache, and
 * frames wait (bounded) in the cache while a request is outstanding.
 *
 * The TCP layer is `new TcpLayer(host, cfg.tcp, rng, cfg.id)` from
 * stack/tcp/layer.ts unless `cfg.tcpFactory` supplies another implementation
 * of {@link TcpLayerApi} (tests use small fakes).
 */
import type { Rng } from "../core/rng.ts";
import type { Time } from "../core/time.ts";
import { ByteSlab } from "../core/bytes.ts";
import type { Accounting } from "./accounting.ts";
import { ArpCache, type ArpConfig, type ArpTimerSink } from "./arp_cache.ts";
import { SharedRx } from "./buf.ts";
import type { BufRef, RxBuffer, TxFrame } from "../hw/buffers.ts";
import { checksumAdd, checksumFinish, fold, pseudoHeaderSum } from "../hw/checksum.ts";
import type { ConnId, Endpoint, SocketEvent } from "./events.ts";
import {
  emitIpv4Fields,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPV4_DEFAULT_TTL,
  IPV4_HEADER_LEN,
  IPV4_MAX_TOTAL_LEN,
  type Ipv4Addr,
  isMulticastOrReservedIp,
  makeIpv4Repr,
  parseIpv4,
  prefixMask,
} from "./wire/ipv4.ts";
import type { TcpLayerApi, TcpLayerHost } from "./tcp/api.ts";
import { TcpLayer } from "./tcp/layer.ts";
import type { TcpConfig } from "./tcp/config.ts";
import {
  ARP_LEN,
  ARP_OP_REPLY,
  ARP_OP_REQUEST,
  emitArp,
  isGratuitousArp,
  makeArpRepr,
  parseArp,
} from "./wire/arp.ts";
import {
  BROADCAST_MAC,
  ETH_DST_OFFSET,
  ETH_HEADER_LEN,
  ETH_SRC_OFFSET,
  ETH_TYPE_OFFSET,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  MAC_LEN,
  type MacAddr,
  macEquals,
  macEqualsAt,
  putMac,
} from "./wire/ethernet.ts";
import {
  emitIcmpEcho,
  ICMP_ECHO_HEADER_LEN,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  makeIcmpEchoRepr,
  parseIcmpEcho,
} from "./wire/icmp.ts";
import { get16, put16 } from "./wire/bytes.ts";
import {
  emitTcp,
  makeTcpRepr,
  parseTcp,
  TCP_CHECKSUM_OFFSET,
  TCP_HEADER_MIN,
  tcpChecksumOk,
  tcpHeaderLen,
  type TcpRepr,
} from "./wire/tcp.ts";

/** Longest IPv4 prefix. */
const MAX_PREFIX_LEN = 32;
/** Prefixes longer than this have no subnet broadcast address (RFC 3021 /31s, /32 hosts). */
const MAX_PREFIX_WITH_BROADCAST = 30;
/** Offset of the IPv4 header in a frame. */
const IP_OFF = ETH_HEADER_LEN;
/** The IEEE 802 I/G bit (first octet of the destination MAC): set for broadcast and multicast. */
const ETH_GROUP_BIT = 0x01;
/** Offset of the L4 header in frames this stack builds (no IP options). */
const L4_OFF = ETH_HEADER_LEN + IPV4_HEADER_LEN;
/** Largest L4 payload of an IPv4 packet this stack builds. */
const MAX_L4_LEN = IPV4_MAX_TOTAL_LEN - IPV4_HEADER_LEN;
/** The all-zero MAC, the ARP request's unknown target hardware address (RFC 826). */
const ZERO_MAC: MacAddr = new Uint8Array(MAC_LEN);
/** Payload of frames whose bytes are all in the header buffer. */
const NO_PAYLOAD: readonly BufRef[] = Object.freeze([]) as readonly BufRef[];

/** Builds the TCP layer a stack uses (the default builds stack/tcp/layer.ts's TcpLayer). */
export type TcpFactory = (
  host: TcpLayerHost,
  cfg: Partial<TcpConfig>,
  rng: Rng,
  stackId: number,
) => TcpLayerApi;

/**
 * `TcpLayerApi.connect` extended with an optional local port. A TCP layer
 * whose `connect` takes only three parameters ignores the port (it then picks
 * an ephemeral one, visible in the `connected` event's `local` endpoint).
 */
export type ConnectWithPort = (
  now: Time,
  local: Ipv4Addr,
  remote: Endpoint,
  localPort?: number,
) => ConnId;

/** Called for each ICMP echo reply received; `data` is valid only during the call. */
export type EchoReplyHandler = (
  now: Time,
  src: Ipv4Addr,
  ident: number,
  seq: number,
  data: Uint8Array,
) => void;

/** Addresses and options of one {@link Stack}. */
export interface StackConfig {
  /** Stack instance id (names connections together with the conn id). */
  id: number;
  /** The stack's MAC address. */
  mac: MacAddr;
  /** The stack's IPv4 address. */
  ip: Ipv4Addr;
  /** Prefix length of the on-link subnet (0..32). */
  prefixLen: number;
  /** Default gateway for off-link destinations (must be on-link); none when absent. */
  gateway?: Ipv4Addr | null;
  /** ARP cache settings over the defaults. */
  arp?: Partial<ArpConfig>;
  /** TCP settings over {@link DEFAULT_TCP_CONFIG}. */
  tcp?: Partial<TcpConfig>;
  /** NIC computes TCP checksums on transmit (default false: software, charged per byte). */
  txChecksumOffload?: boolean;
  /**
   * NIC verified TCP checksums on receive (default false: verified in
   * software, charged per byte). The IPv4 header checksum and ICMP are always
   * checked in software.
   */
  rxChecksumOffload?: boolean;
  /** TTL of packets sent (default {@link IPV4_DEFAULT_TTL}). */
  ttl?: number;
  /** Replaces the default TCP layer (see module doc). */
  tcpFactory?: TcpFactory;
  /** Observes ICMP echo replies (answers to {@link Stack.ping}). */
  onEchoReply?: EchoReplyHandler;
}

/** What a {@link Stack} needs from its host. */
export interface StackHost {
  /** Sends a frame. Header and payload must not change until it has left; see {@link TxFrame}. */
  transmit(frame: TxFrame): void;
  /** A socket event for the application. */
  event(ev: SocketEvent): void;
  /** Where the stack charges its operations. */
  readonly acct: Accounting;
}

/** Every reason a frame is dropped, receive side and transmit side. */
export const DROP_REASONS = [
  "eth-truncated",
  "eth-not-for-us", // unicast to another MAC, or multicast
  "eth-unknown-type", // neither IPv4 nor ARP
  "arp-truncated",
  "arp-unsupported", // not Ethernet/IPv4
  "arp-bad-op",
  "arp-conflict", // someone else claims our IP address
  "ip-truncated",
  "ip-bad-version",
  "ip-bad-header-len",
  "ip-bad-total-len",
  "ip-bad-checksum",
  "ip-fragment", // no reassembly
  "ip-not-for-us",
  "ip-link-broadcast", // unicast IP destination in a link-layer broadcast frame (RFC 1122 3.3.6)
  "ip-bad-src", // multicast, broadcast, zero or our own address as source
  "ip-unknown-protocol",
  "icmp-truncated",
  "icmp-bad-checksum",
  "icmp-bad-code",
  "icmp-unsupported-type", // ICMP other than echo request/reply
  "tcp-truncated",
  "tcp-bad-header-len",
  "tcp-bad-option",
  "tcp-bad-checksum",
  "tx-no-route", // off-link destination and no gateway
  "tx-arp-queue-full", // ARP pending-queue bound hit
  "tx-arp-unresolved", // next hop never answered ARP
  "tx-too-long", // L4 segment would exceed the IPv4 total length
] as const;
/** One of {@link DROP_REASONS}. */
export type DropReason = typeof DROP_REASONS[number];

/** Packet counters of one stack. */
export interface StackCounters {
  /** Frames received. */
  rxFrames: number;
  /** Bytes received. */
  rxBytes: number;
  /** ARP packets received. */
  rxArp: number;
  /** IPv4 packets received. */
  rxIpv4: number;
  /** TCP segments received. */
  rxTcp: number;
  /** ICMP messages received. */
  rxIcmp: number;
  /** Frames sent. */
  txFrames: number;
  /** Bytes sent. */
  txBytes: number;
  /** ARP requests sent. */
  txArpRequests: number;
  /** ARP replies sent. */
  txArpReplies: number;
  /** ARP packets neither for us nor updating a known entry (ignored, not malformed). */
  arpIgnored: number;
  /** Gratuitous ARP packets received. */
  gratuitousArpIn: number;
  /** Echo requests received. */
  echoRequestsIn: number;
  /** Echo replies sent. */
  echoRepliesOut: number;
  /** Echo requests sent. */
  echoRequestsOut: number;
  /** Echo replies received. */
  echoRepliesIn: number;
}

/** A stack's counters and drops. */
export interface StackStats {
  /** Packet counters. */
  readonly counters: StackCounters;
  /** Frames dropped, by reason. */
  readonly drops: Record<DropReason, number>;
}

function newStats(): StackStats {
  const drops = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) drops[r] = 0;
  return {
    counters: {
      rxFrames: 0,
      rxBytes: 0,
      rxArp: 0,
      rxIpv4: 0,
      rxTcp: 0,
      rxIcmp: 0,
      txFrames: 0,
      txBytes: 0,
      txArpRequests: 0,
      txArpReplies: 0,
      arpIgnored: 0,
      gratuitousArpIn: 0,
      echoRequestsIn: 0,
      echoRepliesOut: 0,
      echoRequestsOut: 0,
      echoRepliesIn: 0,
    },
    drops,
  };
}

/** Sum of all drop counters. */
export function totalDrops(stats: StackStats): number {
  let n = 0;
  for (const r of DROP_REASONS) n += stats.drops[r];
  return n;
}

/** The default TCP layer. */
const defaultTcpFactory: TcpFactory = (host, cfg, rng, id) => new TcpLayer(host, cfg, rng, id);

/** A frame waiting in the ARP cache: its Ethernet destination is filled in on resolution. */
export type PendingFrame = TxFrame;

/**
 * One stack instance: receives frames with {@link Stack.receive}, takes socket
 * commands, and sends frames and socket events through its {@link StackHost}.
 * It keeps no clock: every call passes the time.
 *
 * @example An active open waits for ARP
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../core/rng.ts";
 * import type { TxFrame } from "../hw/buffers.ts";
 * import { FREE_ACCOUNTING } from "./accounting.ts";
 * import { Stack } from "./stack.ts";
 * import { ETHERTYPE_ARP, localMac, parseIp } from "./wire/mod.ts";
 *
 * const sent: TxFrame[] = [];
 * const host = { transmit: (f: TxFrame) => sent.push(f), event() {}, acct: FREE_ACCOUNTING };
 * const stack = new Stack({ id: 0, mac: localMac(1), ip: parseIp("10.0.0.1")!, prefixLen: 24 }, host, new Rng(1));
 * stack.connect(0, { addr: parseIp("10.0.0.2")!, port: 80 });
 * // The SYN waits in the ARP cache; the frame sent is the ARP request.
 * assert.equal(sent.length, 1);
 * assert.equal((sent[0].header[12] << 8) | sent[0].header[13], ETHERTYPE_ARP);
 * assert.equal(stack.stats.counters.txArpRequests, 1);
 * ```
 */
export class Stack {
  /** Stack instance id. */
  readonly id: number = 0;
  /** The stack's MAC address. */
  readonly mac: MacAddr;
  /** The stack's IPv4 address. */
  readonly ip: Ipv4Addr = 0;
  /** Counters and drops by reason. */
  readonly stats: StackStats = newStats();
  /** The ARP cache (exposed for inspection; the stack drives it). */
  readonly arp: ArpCache<PendingFrame>;
  /** The TCP layer. */
  readonly tcp: TcpLayerApi;

  private readonly mask: number = 0;
  private readonly subnetBroadcast: number = 0;
  private readonly gateway: Ipv4Addr | null;
  private readonly ttl: number = 0;
  private readonly txOffload: boolean;
  private readonly rxOffload: boolean;
  private readonly onEchoReply: EchoReplyHandler | null;
  private readonly acct: Accounting;
  private ipIdent = 0;

  // Reusable parse targets (one frame is handled at a time). The Ethernet
  // header is checked in place (only its destination and EtherType matter).
  private readonly arpRx = makeArpRepr();
  private readonly ipRx = makeIpv4Repr();
  private readonly icmpRx = makeIcmpEchoRepr();
  private readonly tcpRx: TcpRepr = makeTcpRepr();
  /** Where TCP frame headers are allocated (fresh, zeroed, never reused; see core/bytes.ts). */
  private readonly headerSlab = new ByteSlab();
  private readonly arpTimerSink: ArpTimerSink<PendingFrame>;

  private readonly host: StackHost;

  // No constructor parameter properties: with them Deno declares every field
  // undefined first and V8 keeps the numeric ones boxed.
  /** A stack configured by `cfg`, talking to `host`, drawing its random numbers from `rng`. */
  constructor(cfg: StackConfig, host: StackHost, rng: Rng) {
    validateConfig(cfg);
    this.host = host;
    this.id = cfg.id;
    this.mac = Uint8Array.from(cfg.mac);
    this.ip = cfg.ip >>> 0;
    this.mask = prefixMask(cfg.prefixLen);
    this.subnetBroadcast = cfg.prefixLen <= MAX_PREFIX_WITH_BROADCAST
      ? (this.ip | ~this.mask) >>> 0
      : -1;
    this.gateway = cfg.gateway ?? null;
    this.ttl = cfg.ttl ?? IPV4_DEFAULT_TTL;
    this.txOffload = cfg.txChecksumOffload ?? false;
    this.rxOffload = cfg.rxChecksumOffload ?? false;
    this.onEchoReply = cfg.onEchoReply ?? null;
    this.acct = host.acct;
    this.arp = new ArpCache<PendingFrame>(cfg.arp);
    this.ipIdent = rng.stream("ipv4-ident").int(1 << 16);
    this.arpTimerSink = {
      resend: (ip) => this.sendArpRequest(ip),
      drop: (frame) => {
        this.stats.drops["tx-arp-unresolved"]++;
        frame.onSent?.();
      },
    };
    const tcpHost: TcpLayerHost = {
      output: (now, src, dst, repr, payload) => this.tcpOutput(now, src, dst, repr, payload),
      event: (ev) => host.event(ev),
      acct: host.acct,
    };
    this.tcp = (cfg.tcpFactory ?? defaultTcpFactory)(tcpHost, cfg.tcp ?? {}, rng, cfg.id);
  }

  /**
   * Zeroes the stack's and its TCP layer's counters (start of a measurement
   * window); connections, timers and queues are untouched.
   */
  resetStats(): void {
    const c = this.stats.counters as unknown as Record<string, number>;
    for (const k in c) c[k] = 0;
    for (const r of DROP_REASONS) this.stats.drops[r] = 0;
    this.tcp.stats.reset();
  }

  // -------------------------------------------------------------------------
  // Receive

  /** Handles one received frame; releases `rx` (or hands holds to TCP). Never throws on bad input. */
  receive(now: Time, rx: RxBuffer): void {
    const ref = rx.ref;
    const b = ref.mem.read(ref.off, ref.len);
    const c = this.stats.counters;
    c.rxFrames++;
    c.rxBytes += b.length;
    this.acct.charge("eth_rx");
    // Parsing never throws; an exception can only come from a bug further up
    // (the TCP layer or a callback) and is left to propagate.
    if (!this.input(now, b, rx)) rx.release();
  }

  /** Returns true when `rx` was handed to (and released through) a SharedRx. */
  private input(now: Time, b: Uint8Array, rx: RxBuffer): boolean {
    const drops = this.stats.drops;
    if (b.length < ETH_HEADER_LEN) {
      drops["eth-truncated"]++;
      return false;
    }
    if (!macEqualsAt(b, 0, this.mac) && !macEqualsAt(b, 0, BROADCAST_MAC)) {
      drops["eth-not-for-us"]++;
      return false;
    }
    const ethertype = get16(b, ETH_TYPE_OFFSET);
    if (ethertype === ETHERTYPE_IPV4) return this.ipInput(now, b, rx);
    if (ethertype === ETHERTYPE_ARP) this.arpInput(now, b);
    else drops["eth-unknown-type"]++;
    return false;
  }

  /** Handles an ARP packet. */
  private arpInput(now: Time, b: Uint8Array): void {
    const a = this.arpRx;
    const r = parseArp(b, ETH_HEADER_LEN, b.length - ETH_HEADER_LEN, a);
    if (typeof r === "string") {
      this.stats.drops[`arp-${r}`]++;
      return;
    }
    this.acct.charge("arp");
    const c = this.stats.counters;
    c.rxArp++;
    const sip = a.senderIp;
    if (sip === this.ip) {
      // Our own announcement looped back is harmless; anyone else is a conflict.
      if (!macEquals(a.senderMac, this.mac)) this.stats.drops["arp-conflict"]++;
      return;
    }
    // RFC 826 merge: update the sender's entry if we already know it. A probe
    // (sender address 0, RFC 5227) teaches nothing.
    const learnable = sip !== 0 && !isMulticastOrReservedIp(sip);
    const merged = learnable && this.arp.knows(sip);
    let released = merged ? this.arp.insert(now, sip, a.senderMac) : null;
    if (a.targetIp === this.ip) {
      if (!merged && learnable) released = this.arp.insert(now, sip, a.senderMac);
      if (a.op === ARP_OP_REQUEST) this.sendArpReply(a.senderMac, sip);
    } else if (isGratuitousArp(a)) {
      c.gratuitousArpIn++;
    } else {
      c.arpIgnored++;
    }
    if (released !== null) this.flushResolved(released, a.senderMac);
  }

  /** Handles an IPv4 packet; returns whether the receive buffer is still held. */
  private ipInput(now: Time, b: Uint8Array, rx: RxBuffer): boolean {
    const drops = this.stats.drops;
    const ip = this.ipRx;
    const hl = parseIpv4(b, IP_OFF, b.length - IP_OFF, ip, true);
    if (typeof hl === "string") {
      drops[`ip-${hl}`]++;
      return false;
    }
    this.acct.charge("ip_rx");
    this.stats.counters.rxIpv4++;
    if (ip.dst !== this.ip) {
      drops["ip-not-for-us"]++;
      return false;
    }
    // RFC 1122 3.3.6: a datagram that came in a link-layer broadcast (or any
    // group-addressed frame) but names a unicast IP destination is discarded
    // silently: no TCP RST, no ICMP reply. (Group frames other than broadcast
    // already stop at the Ethernet check; the group bit covers both.)
    if (b[0] & ETH_GROUP_BIT) {
      drops["ip-link-broadcast"]++;
      return false;
    }
    const src = ip.src;
    if (
      src === 0 || src === this.ip || src === this.subnetBroadcast || isMulticastOrReservedIp(src)
    ) {
      drops["ip-bad-src"]++;
      return false;
    }
    const l4 = IP_OFF + hl;
    if (ip.protocol === IPPROTO_TCP) return this.tcpInput(now, b, l4, ip.payloadLen, rx);
    if (ip.protocol === IPPROTO_ICMP) this.icmpInput(now, b, l4, ip.payloadLen);
    else drops["ip-unknown-protocol"]++;
    return false;
  }

  /** Handles an ICMP message. */
  private icmpInput(now: Time, b: Uint8Array, off: number, len: number): void {
    const m = this.icmpRx;
    this.acct.charge("checksum_byte", len);
    const r = parseIcmpEcho(b, off, len, m, true);
    if (typeof r === "string") {
      this.stats.drops[`icmp-${r}`]++;
      return;
    }
    this.acct.charge("icmp");
    const c = this.stats.counters;
    c.rxIcmp++;
    const src = this.ipRx.src;
    if (m.type === ICMP_ECHO_REQUEST) {
      c.echoRequestsIn++;
      this.acct.charge("copy_byte", m.data.length);
      this.sendIcmpEcho(now, src, ICMP_ECHO_REPLY, m.ident, m.seq, m.data);
      c.echoRepliesOut++;
    } else {
      c.echoRepliesIn++;
      this.onEchoReply?.(now, src, m.ident, m.seq, m.data);
    }
  }

  /** Hands a TCP segment to the TCP layer; returns whether the receive buffer is still held. */
  private tcpInput(now: Time, b: Uint8Array, off: number, len: number, rx: RxBuffer): boolean {
    const drops = this.stats.drops;
    if (len < TCP_HEADER_MIN) {
      drops["tcp-truncated"]++;
      return false;
    }
    const ip = this.ipRx;
    if (!this.rxOffload) {
      this.acct.charge("checksum_byte", len);
      if (!tcpChecksumOk(b, off, len, ip.src, ip.dst)) {
        drops["tcp-bad-checksum"]++;
        return false;
      }
    }
    const t = this.tcpRx;
    const hl = parseTcp(b, off, len, t);
    if (typeof hl === "string") {
      drops[`tcp-${hl}`]++;
      return false;
    }
    this.stats.counters.rxTcp++;
    const ref = rx.ref;
    const payload: BufRef = { mem: ref.mem, off: ref.off + off + hl, len: t.payloadLen };
    const shared = new SharedRx(rx);
    try {
      this.tcp.input(now, ip.src, ip.dst, t, payload, shared);
    } finally {
      shared.release();
    }
    return true;
  }

  // -------------------------------------------------------------------------
  // Timers

  /** Runs ARP retries and TCP timers due at `now`. */
  poll(now: Time): void {
    this.arp.poll(now, this.arpTimerSink);
    this.tcp.poll(now);
  }

  /** Earliest time {@link poll} has work, or Infinity. */
  nextDeadline(): Time {
    return Math.min(this.arp.nextDeadline(), this.tcp.nextDeadline());
  }

  // -------------------------------------------------------------------------
  // Socket commands (delegated to the TCP layer)

  /** Listens on `port` with room for `backlog` pending connections. */
  listen(port: number, backlog: number): void {
    this.tcp.listen(port, backlog);
  }
  /**
   * Active open from this stack's address; returns the connection id.
   * `localPort` (optional) asks for a specific local port, e.g. one whose flow
   * hash steers replies back to this stack; it is passed to the TCP layer as
   * a fourth argument of `connect` (see {@link ConnectWithPort}).
   */
  connect(now: Time, remote: Endpoint, localPort?: number): ConnId {
    if (localPort === undefined) return this.tcp.connect(now, this.ip, remote);
    const connect: ConnectWithPort = this.tcp.connect;
    return connect.call(this.tcp, now, this.ip, remote, localPort);
  }
  /** Accepts a connection announced by `new_conn`. */
  accept(conn: ConnId): void {
    this.tcp.accept(conn);
  }
  /** Queues the referenced bytes; `data_acked(token)` follows when all are acknowledged. */
  send(now: Time, conn: ConnId, refs: readonly BufRef[], token: number): void {
    this.tcp.send(now, conn, refs, token);
  }
  /** Releases the receive buffers delivered with `new_data` `rxId`. */
  recvDone(conn: ConnId, rxId: number): void {
    this.tcp.recvDone(conn, rxId);
  }
  /** Sends FIN after the queued bytes (half close). */
  shutdown(now: Time, conn: ConnId): void {
    this.tcp.shutdown(now, conn);
  }
  /** Closes the connection. */
  close(now: Time, conn: ConnId): void {
    this.tcp.close(now, conn);
  }

  // -------------------------------------------------------------------------
  // ICMP and ARP commands

  /** Sends an ICMP echo request; replies arrive through `cfg.onEchoReply` and the counters. */
  ping(now: Time, dst: Ipv4Addr, ident: number, seq: number, data: Uint8Array): void {
    this.stats.counters.echoRequestsOut++;
    this.sendIcmpEcho(now, dst >>> 0, ICMP_ECHO_REQUEST, ident & 0xffff, seq & 0xffff, data);
  }

  /** Broadcasts a gratuitous ARP announcement of our address (RFC 5227 section 3). */
  sendGratuitousArp(_now: Time): void {
    this.sendArp(ARP_OP_REQUEST, BROADCAST_MAC, ZERO_MAC, this.ip);
  }

  // -------------------------------------------------------------------------
  // Transmit

  /** TcpLayerHost.output: builds Ethernet + IPv4 + TCP headers and routes the frame. */
  private tcpOutput(
    now: Time,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    repr: TcpRepr,
    payload: readonly BufRef[],
  ): void {
    let plen = 0;
    for (let i = 0; i < payload.length; i++) plen += payload[i].len;
    const tl = tcpHeaderLen(repr);
    const segLen = tl + plen;
    if (segLen > MAX_L4_LEN) {
      this.stats.drops["tx-too-long"]++;
      return;
    }
    const header = this.headerSlab.alloc(L4_OFF + tl);
    this.writeIpv4(header, src, dst, IPPROTO_TCP, segLen, true);
    emitTcp(repr, header, L4_OFF);
    const csumField = L4_OFF + TCP_CHECKSUM_OFFSET;
    const pseudo = pseudoHeaderSum(src, dst, IPPROTO_TCP, segLen);
    if (this.txOffload) {
      // The NIC adds header + payload to the pseudo-header sum we leave in the field.
      put16(header, csumField, fold(pseudo));
    } else {
      this.acct.charge("checksum_byte", segLen);
      let sum = checksumAdd(pseudo, header, L4_OFF, tl);
      let pos = tl;
      for (let i = 0; i < payload.length; i++) {
        const r = payload[i];
        sum = checksumAdd(sum, r.mem.read(r.off, r.len), 0, r.len, pos);
        pos += r.len;
      }
      put16(header, csumField, checksumFinish(sum));
    }
    this.route(now, dst, {
      header,
      payload,
      l4ChecksumOffload: this.txOffload,
      csumStart: L4_OFF,
      csumField,
    });
  }

  /** Sends an ICMP echo message. */
  private sendIcmpEcho(
    now: Time,
    dst: Ipv4Addr,
    type: number,
    ident: number,
    seq: number,
    data: Uint8Array,
  ): void {
    const len = ICMP_ECHO_HEADER_LEN + data.length;
    if (len > MAX_L4_LEN) {
      this.stats.drops["tx-too-long"]++;
      return;
    }
    const header = new Uint8Array(L4_OFF + len);
    this.writeIpv4(header, this.ip, dst, IPPROTO_ICMP, len, false);
    this.acct.charge("icmp");
    this.acct.charge("checksum_byte", len);
    emitIcmpEcho({ type, ident, seq, data }, header, L4_OFF);
    this.route(now, dst, {
      header,
      payload: NO_PAYLOAD,
      l4ChecksumOffload: false,
      csumStart: 0,
      csumField: 0,
    });
  }

  /** Writes our Ethernet source/type and an IPv4 header (destination MAC left for routing). */
  private writeIpv4(
    header: Uint8Array,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    protocol: number,
    l4Len: number,
    dontFragment: boolean,
  ): void {
    putMac(header, ETH_SRC_OFFSET, this.mac);
    put16(header, ETH_TYPE_OFFSET, ETHERTYPE_IPV4);
    const ident = this.ipIdent;
    this.ipIdent = (ident + 1) & 0xffff;
    emitIpv4Fields(header, IP_OFF, 0, l4Len, ident, dontFragment, this.ttl, protocol, src, dst);
    this.acct.charge("ip_tx");
  }

  /** Picks the next hop, resolves it and transmits (or queues behind ARP). */
  private route(now: Time, dst: Ipv4Addr, frame: TxFrame): void {
    let hop: Ipv4Addr;
    if (((dst ^ this.ip) & this.mask) === 0) hop = dst;
    else if (this.gateway !== null) hop = this.gateway;
    else {
      this.stats.drops["tx-no-route"]++;
      frame.onSent?.();
      return;
    }
    const mac = this.arp.lookup(now, hop);
    if (mac !== null) {
      putMac(frame.header, 0, mac);
      this.transmit(frame);
      return;
    }
    const r = this.arp.enqueue(now, hop, frame);
    if (r === "request") this.sendArpRequest(hop);
    else if (r === "dropped") {
      this.stats.drops["tx-arp-queue-full"]++;
      frame.onSent?.();
    }
  }

  /** Sends frames that waited for `mac`. */
  private flushResolved(frames: readonly PendingFrame[], mac: MacAddr): void {
    for (const f of frames) {
      putMac(f.header, 0, mac);
      this.transmit(f);
    }
  }

  /** Counts and hands a frame to the host. */
  private transmit(frame: TxFrame): void {
    const c = this.stats.counters;
    c.txFrames++;
    let n = frame.header.length;
    const payload = frame.payload;
    for (let i = 0; i < payload.length; i++) n += payload[i].len;
    c.txBytes += n;
    this.acct.charge("eth_tx");
    this.host.transmit(frame);
  }

  /** Sends an ARP request for `targetIp`. */
  private sendArpRequest(targetIp: Ipv4Addr): void {
    this.stats.counters.txArpRequests++;
    this.sendArp(ARP_OP_REQUEST, BROADCAST_MAC, ZERO_MAC, targetIp);
  }

  /** Sends an ARP reply to `targetMac`. */
  private sendArpReply(targetMac: MacAddr, targetIp: Ipv4Addr): void {
    this.stats.counters.txArpReplies++;
    this.sendArp(ARP_OP_REPLY, targetMac, targetMac, targetIp);
  }

  /** Builds and sends an ARP packet. */
  private sendArp(op: number, ethDst: MacAddr, targetMac: MacAddr, targetIp: Ipv4Addr): void {
    const header = new Uint8Array(ETH_HEADER_LEN + ARP_LEN);
    header.set(ethDst, ETH_DST_OFFSET);
    header.set(this.mac, ETH_SRC_OFFSET);
    put16(header, ETH_TYPE_OFFSET, ETHERTYPE_ARP);
    emitArp(
      { op, senderMac: this.mac, senderIp: this.ip, targetMac, targetIp },
      header,
      ETH_HEADER_LEN,
    );
    this.acct.charge("arp");
    this.transmit({
      header,
      payload: NO_PAYLOAD,
      l4ChecksumOffload: false,
      csumStart: 0,
      csumField: 0,
    });
  }
}

/** Rejects a nonsensical configuration (programming error: throws). */
function validateConfig(cfg: StackConfig): void {
  if (!Number.isInteger(cfg.id) || cfg.id < 0) {
    throw new RangeError(`StackConfig.id must be a non-negative integer, got ${cfg.id}`);
  }
  if (!(cfg.mac instanceof Uint8Array) || cfg.mac.length !== MAC_LEN) {
    throw new RangeError(`StackConfig.mac must be ${MAC_LEN} bytes`);
  }
  if ((cfg.mac[0] & 1) === 1) throw new RangeError("StackConfig.mac must be a unicast address");
  if (!Number.isInteger(cfg.ip) || cfg.ip <= 0 || cfg.ip > 0xffffffff) {
    throw new RangeError(
      `StackConfig.ip must be a non-zero unsigned 32-bit address, got ${cfg.ip}`,
    );
  }
  if (!Number.isInteger(cfg.prefixLen) || cfg.prefixLen < 0 || cfg.prefixLen > MAX_PREFIX_LEN) {
    throw new RangeError(`StackConfig.prefixLen must be 0..32, got ${cfg.prefixLen}`);
  }
  const gw = cfg.gateway;
  if (gw !== undefined && gw !== null) {
    const mask = prefixMask(cfg.prefixLen);
    if (!Number.isInteger(gw) || gw <= 0 || gw > 0xffffffff || ((gw ^ cfg.ip) & mask) !== 0) {
      throw new RangeError(`StackConfig.gateway must be an on-link address, got ${gw}`);
    }
  }
  const ttl = cfg.ttl;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > 255)) {
    throw new RangeError(`StackConfig.ttl must be 1..255, got ${ttl}`);
  }
}

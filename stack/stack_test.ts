import { TcpStats } from "./tcp/stats.ts";
import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { FaultInjector } from "../hw/fault.ts";
import { Scheduler } from "../core/scheduler.ts";
import { MS, SEC, type Time } from "../core/time.ts";
import { CountingAccounting } from "./accounting.ts";
import { gather, refOf, type SharedRx } from "./buf.ts";
import type { BufRef, TxFrame } from "../hw/buffers.ts";
import { checksumFinish, fold, internetChecksum, pseudoHeaderSum } from "../hw/checksum.ts";
import type { ConnId, Endpoint } from "./events.ts";
import { emitIpv4, IPPROTO_ICMP, IPPROTO_TCP, type Ipv4Addr, parseIp } from "./wire/ipv4.ts";
import { flattenTxFrame, Harness, type HarnessNode } from "./harness.ts";
import { PcapWriter } from "./pcap.ts";
import { DROP_REASONS, Stack, type StackConfig, totalDrops } from "./stack.ts";
import type { TcpLayerApi, TcpLayerHost } from "./tcp/api.ts";
import { TcpLayer } from "./tcp/layer.ts";
import { ARP_OP_REPLY, ARP_OP_REQUEST, emitArp } from "./wire/arp.ts";
import {
  BROADCAST_MAC,
  emitEthernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  localMac,
  type MacAddr,
} from "./wire/ethernet.ts";
import { emitIcmpEcho, ICMP_ECHO_REQUEST } from "./wire/icmp.ts";
import {
  emitTcp,
  makeTcpRepr,
  TCP_ACK,
  TCP_CHECKSUM_OFFSET,
  TCP_PSH,
  TCP_SYN,
  tcpChecksumOk,
  tcpChecksumSum,
  tcpHeaderLen,
  type TcpRepr,
} from "./wire/tcp.ts";
import { put16 } from "./wire/bytes.ts";

const IP_A = parseIp("10.0.0.1")!, IP_B = parseIp("10.0.0.2")!, IP_C = parseIp("10.0.0.9")!;
const MAC_A = localMac(1), MAC_B = localMac(2);

/** A stand-in TCP layer: records what it is given, sends what the test asks. */
class FakeTcp implements TcpLayerApi {
  readonly stats = new TcpStats();
  inputs: { now: Time; src: Ipv4Addr; repr: TcpRepr; payload: Uint8Array }[] = [];
  polls: Time[] = [];
  deadline: Time = Infinity;
  constructor(readonly host: TcpLayerHost) {}
  input(now: Time, src: Ipv4Addr, _dst: Ipv4Addr, repr: TcpRepr, payload: BufRef, _rx: SharedRx) {
    this.inputs.push({ now, src, repr: { ...repr }, payload: gather([payload]) });
  }
  poll(now: Time): void {
    this.polls.push(now);
    if (this.deadline <= now) this.deadline = Infinity;
  }
  nextDeadline(): Time {
    return this.deadline;
  }
  listen(): void {}
  connects: unknown[][] = [];
  connect(...args: [Time, Ipv4Addr, Endpoint, number?]): ConnId {
    this.connects.push(args);
    return 1;
  }
  accept(): void {}
  send(): void {}
  recvDone(): void {}
  shutdown(): void {}
  close(): void {}
  /** Sends a segment through the IP layer. */
  out(now: Time, src: Ipv4Addr, dst: Ipv4Addr, repr: TcpRepr, payload: readonly BufRef[]) {
    this.host.output(now, src, dst, repr, payload);
  }
}

function fake(node: HarnessNode): FakeTcp {
  return node.stack.tcp as FakeTcp;
}

function cfg(
  id: number,
  ip: Ipv4Addr,
  mac: MacAddr,
  extra: Partial<StackConfig> = {},
): StackConfig {
  return {
    id,
    ip,
    mac,
    prefixLen: 24,
    tcpFactory: (host) => new FakeTcp(host),
    ...extra,
  };
}

function twoStacks(
  extraA: Partial<StackConfig> = {},
  extraB: Partial<StackConfig> = {},
  pcap?: PcapWriter,
) {
  const sched = new Scheduler();
  const h = new Harness(sched, new Rng(1, "stack-test"), { pcap });
  const a = h.addNode(cfg(0, IP_A, MAC_A, extraA));
  const b = h.addNode(cfg(1, IP_B, MAC_B, extraB));
  return { sched, h, a, b };
}

function seg(payloadLen: number, flags = TCP_ACK | TCP_PSH): TcpRepr {
  return {
    ...makeTcpRepr(),
    srcPort: 40000,
    dstPort: 80,
    seq: 1000,
    ack: 2000,
    flags,
    window: 1000,
    payloadLen,
  };
}

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("stack: first segment waits for ARP, then flows; gathered odd-length payload arrives intact", () => {
  const { h, a, b } = twoStacks();
  const parts = [enc("hello "), enc("odd"), enc(" world!")];
  const refs = parts.map((p) => refOf(p));
  h.command(a, (_s, now) => fake(a).out(now, IP_A, IP_B, seg(16), refs));
  assert.equal(a.stack.stats.counters.txArpRequests, 1);
  assert.equal(a.stack.arp.queuedFor(IP_B), 1);
  h.runFor(1 * MS);
  assert.equal(b.stack.stats.counters.txArpReplies, 1);
  assert.equal(fake(b).inputs.length, 1);
  const got = fake(b).inputs[0];
  assert.equal(new TextDecoder().decode(got.payload), "hello odd world!");
  assert.equal(got.src, IP_A);
  assert.equal(got.repr.seq, 1000);
  assert.equal(got.repr.payloadLen, 16);
  // The segment had to wait for the ARP round trip: 3 frames of link time.
  const oneWay = 2 * h.serialization(60) + h.link.latency;
  assert.ok(got.now >= 3 * oneWay, `arrived at ${got.now}`);
  // Second segment: no ARP. B learned A from the request, so its reply needs none either.
  h.command(a, (_s, now) => fake(a).out(now, IP_A, IP_B, seg(1), [refOf(enc("x"))]));
  h.command(b, (_s, now) => fake(b).out(now, IP_B, IP_A, seg(0, TCP_ACK), []));
  h.runFor(1 * MS);
  assert.equal(fake(b).inputs.length, 2);
  assert.equal(fake(a).inputs.length, 1);
  assert.equal(a.stack.stats.counters.txArpRequests, 1);
  assert.equal(b.stack.stats.counters.txArpRequests, 0);
  assert.equal(totalDrops(a.stack.stats) + totalDrops(b.stack.stats), 0);
  assert.equal(a.rxOutstanding + b.rxOutstanding, 0);
});

Deno.test("stack: checksum offload leaves the pseudo-header sum for the NIC; the peer verifies", () => {
  const acct = new CountingAccounting();
  const sent: TxFrame[] = [];
  const raw = new Stack(cfg(5, IP_A, MAC_A, { txChecksumOffload: true }), {
    transmit: (f) => sent.push(f),
    event() {},
    acct,
  }, new Rng(3));
  raw.arp.insert(0, IP_B, MAC_B);
  const payload = [refOf(enc("abc")), refOf(enc("de"))];
  (raw.tcp as FakeTcp).out(0, IP_A, IP_B, seg(5), payload);
  assert.equal(sent.length, 1);
  const f = sent[0];
  assert.ok(f.l4ChecksumOffload);
  assert.equal(f.csumStart, 34);
  assert.equal(f.csumField, 34 + TCP_CHECKSUM_OFFSET);
  assert.equal(f.payload, payload, "payload passed by reference (zero copy)");
  const segLen = 20 + 5;
  const field = (f.header[f.csumField] << 8) | f.header[f.csumField + 1];
  assert.equal(field, fold(pseudoHeaderSum(IP_A, IP_B, IPPROTO_TCP, segLen)));
  const wire = flattenTxFrame(f);
  assert.ok(tcpChecksumOk(wire, 34, segLen, IP_A, IP_B));
  assert.equal(acct.get("checksum_byte"), 0, "no software checksum charged");

  // Through the harness: the peer verifies in software and charges per byte.
  const acctB = new CountingAccounting();
  const sched = new Scheduler();
  const h = new Harness(sched, new Rng(2, "offload"));
  const a = h.addNode(cfg(0, IP_A, MAC_A, { txChecksumOffload: true }));
  const b = h.addNode(cfg(1, IP_B, MAC_B), { acct: acctB });
  h.command(a, (_s, now) => fake(a).out(now, IP_A, IP_B, seg(5), payload));
  h.runFor(1 * MS);
  assert.equal(fake(b).inputs.length, 1);
  assert.equal(b.stack.stats.drops["tcp-bad-checksum"], 0);
  assert.equal(acctB.get("checksum_byte"), segLen);
});

Deno.test("stack: ARP entries expire and are requested again", () => {
  const { h, a, b } = twoStacks({ arp: { entryTtl: 1 * SEC } });
  h.command(a, (_s, now) => fake(a).out(now, IP_A, IP_B, seg(0), []));
  h.runFor(1 * MS);
  assert.equal(a.stack.stats.counters.txArpRequests, 1);
  h.runUntil(2 * SEC);
  h.command(a, (_s, now) => fake(a).out(now, IP_A, IP_B, seg(0), []));
  assert.equal(a.stack.stats.counters.txArpRequests, 2);
  assert.equal(a.stack.arp.stats.expired, 1);
  h.runFor(1 * MS);
  assert.equal(fake(b).inputs.length, 2);
});

Deno.test("stack: unanswered ARP is retried by the timer, then queued packets are dropped", () => {
  const { h, a } = twoStacks({ arp: { retryInterval: 100 * MS, maxRequests: 3 } });
  h.command(a, (_s, now) => {
    fake(a).out(now, IP_A, IP_C, seg(0), []);
    fake(a).out(now, IP_A, IP_C, seg(0), []);
  });
  h.runUntil(250 * MS);
  assert.equal(a.stack.stats.counters.txArpRequests, 3);
  assert.equal(a.stack.stats.drops["tx-arp-unresolved"], 0);
  h.runUntil(1 * SEC);
  assert.equal(a.stack.stats.counters.txArpRequests, 3);
  assert.equal(a.stack.stats.drops["tx-arp-unresolved"], 2);
  assert.equal(a.stack.nextDeadline(), Infinity);
});

Deno.test("stack: gratuitous ARP updates an existing entry only", () => {
  const { h, a, b } = twoStacks();
  h.command(a, (_s, now) => fake(a).out(now, IP_A, IP_B, seg(0), []));
  h.runFor(1 * MS);
  assert.deepEqual(b.stack.arp.lookup(h.sched.now, IP_A), MAC_A);
  // A moves to a new MAC and announces it (as a hand-built frame).
  const newMac = localMac(0xa1);
  const garp = new Uint8Array(60);
  emitEthernet({ dst: BROADCAST_MAC, src: newMac, ethertype: ETHERTYPE_ARP }, garp, 0);
  emitArp(
    {
      op: ARP_OP_REQUEST,
      senderMac: newMac,
      senderIp: IP_A,
      targetMac: new Uint8Array(6),
      targetIp: IP_A,
    },
    garp,
    14,
  );
  h.inject(b, garp);
  assert.deepEqual(b.stack.arp.lookup(h.sched.now, IP_A), newMac);
  assert.equal(b.stack.stats.counters.gratuitousArpIn, 1);
  // An announcement of an address nobody asked about is not learned.
  emitArp(
    {
      op: ARP_OP_REPLY,
      senderMac: newMac,
      senderIp: IP_C,
      targetMac: BROADCAST_MAC,
      targetIp: IP_C,
    },
    garp,
    14,
  );
  h.inject(b, garp);
  assert.equal(b.stack.arp.lookup(h.sched.now, IP_C), null);
  // The stack's own announcement refreshes the peer's entry.
  const before = b.stack.arp.stats.refreshed;
  h.command(b, (s, now) => s.sendGratuitousArp(now));
  h.runFor(1 * MS);
  assert.equal(a.stack.arp.stats.refreshed, 1);
  assert.equal(b.stack.arp.stats.refreshed, before);
  assert.equal(totalDrops(a.stack.stats), 0);
});

Deno.test("stack: ping request gets a reply with the same ident, seq and data", () => {
  const replies: { src: number; ident: number; seq: number; data: string }[] = [];
  const { h, a, b } = twoStacks({
    onEchoReply: (_now, src, ident, seq, data) =>
      replies.push({ src, ident, seq, data: new TextDecoder().decode(data) }),
  });
  h.command(a, (s, now) => s.ping(now, IP_B, 0x1234, 7, enc("are you there?")));
  h.runFor(1 * MS);
  assert.deepEqual(replies, [{ src: IP_B, ident: 0x1234, seq: 7, data: "are you there?" }]);
  assert.equal(b.stack.stats.counters.echoRequestsIn, 1);
  assert.equal(b.stack.stats.counters.echoRepliesOut, 1);
  assert.equal(a.stack.stats.counters.echoRepliesIn, 1);
});

Deno.test("stack: off-link traffic goes to the gateway's MAC; without a gateway it has no route", () => {
  const far = parseIp("192.168.7.7")!;
  const { h, a, b } = twoStacks({ gateway: IP_B });
  h.command(a, (_s, now) => fake(a).out(now, IP_A, far, seg(0), []));
  h.runFor(1 * MS);
  assert.equal(
    b.stack.stats.drops["ip-not-for-us"],
    1,
    "delivered to the gateway, which is not a router",
  );
  assert.equal(b.stack.stats.counters.txArpReplies, 1);
  h.command(b, (_s, now) => fake(b).out(now, IP_B, far, seg(0), []));
  assert.equal(b.stack.stats.drops["tx-no-route"], 1);
});

// ---------------------------------------------------------------------------
// Hand-built frames for the malformed-input tests.

/** A valid TCP frame A -> B with the given payload and options. */
function tcpFrame(payload: Uint8Array, repr: TcpRepr = seg(payload.length)): Uint8Array {
  const tl = tcpHeaderLen(repr);
  const f = new Uint8Array(14 + 20 + tl + payload.length);
  emitEthernet({ dst: MAC_B, src: MAC_A, ethertype: ETHERTYPE_IPV4 }, f, 0);
  emitIpv4(
    {
      src: IP_A,
      dst: IP_B,
      protocol: IPPROTO_TCP,
      payloadLen: tl + payload.length,
      ttl: 64,
      ident: 9,
      dontFragment: true,
      tos: 0,
    },
    f,
    14,
  );
  emitTcp(repr, f, 34);
  f.set(payload, 34 + tl);
  fixTcpChecksum(f);
  return f;
}

function fixIpChecksum(f: Uint8Array): void {
  put16(f, 24, 0);
  put16(f, 24, internetChecksum(f, 14, (f[14] & 15) * 4));
}

function fixTcpChecksum(f: Uint8Array): void {
  const ihl = (f[14] & 15) * 4;
  const total = (f[16] << 8) | f[17];
  const off = 14 + ihl, len = total - ihl;
  if (len < 18 || off + len > f.length) return;
  put16(f, off + TCP_CHECKSUM_OFFSET, 0);
  put16(f, off + TCP_CHECKSUM_OFFSET, checksumFinish(tcpChecksumSum(f, off, len, IP_A, IP_B, len)));
}

function icmpFrame(): Uint8Array {
  const data = enc("ping!");
  const f = new Uint8Array(14 + 20 + 8 + data.length);
  emitEthernet({ dst: MAC_B, src: MAC_A, ethertype: ETHERTYPE_IPV4 }, f, 0);
  emitIpv4(
    {
      src: IP_A,
      dst: IP_B,
      protocol: IPPROTO_ICMP,
      payloadLen: 8 + data.length,
      ttl: 64,
      ident: 1,
      dontFragment: false,
      tos: 0,
    },
    f,
    14,
  );
  emitIcmpEcho({ type: ICMP_ECHO_REQUEST, ident: 1, seq: 1, data }, f, 34);
  return f;
}

function arpFrame(): Uint8Array {
  const f = new Uint8Array(60);
  emitEthernet({ dst: BROADCAST_MAC, src: MAC_A, ethertype: ETHERTYPE_ARP }, f, 0);
  emitArp(
    {
      op: ARP_OP_REQUEST,
      senderMac: MAC_A,
      senderIp: IP_A,
      targetMac: new Uint8Array(6),
      targetIp: IP_B,
    },
    f,
    14,
  );
  return f;
}

Deno.test("stack: malformed frames are counted by reason and dropped, never thrown", () => {
  const { h, b } = twoStacks();
  const cases: [string, Uint8Array][] = [];
  const add = (reason: string, f: Uint8Array) => cases.push([reason, f]);
  add("eth-truncated", tcpFrame(enc("x")).subarray(0, 10));
  let f = tcpFrame(enc("x"));
  f[0] = 0x02;
  f[5] = 0x77;
  add("eth-not-for-us", f);
  f = tcpFrame(enc("x"));
  f[0] = 0x01; // multicast
  add("eth-not-for-us", f);
  f = tcpFrame(enc("x"));
  put16(f, 12, 0x86dd); // IPv6
  add("eth-unknown-type", f);
  add("ip-truncated", tcpFrame(enc("abcdef")).subarray(0, 40));
  f = tcpFrame(enc("x"));
  f[22] = 1; // TTL changed, checksum not
  add("ip-bad-checksum", f);
  f = tcpFrame(enc("x"));
  f[14] = 0x65;
  add("ip-bad-version", f);
  f = tcpFrame(enc("x"));
  f[20] = 0x20; // MF
  fixIpChecksum(f);
  add("ip-fragment", f);
  f = tcpFrame(enc("x"));
  f[33] = 3; // destination 10.0.0.3
  fixIpChecksum(f);
  add("ip-not-for-us", f);
  f = tcpFrame(enc("x"));
  f.set([224, 0, 0, 1], 26);
  fixIpChecksum(f);
  add("ip-bad-src", f);
  f = tcpFrame(enc("x"));
  f[23] = 17; // UDP
  fixIpChecksum(f);
  add("ip-unknown-protocol", f);
  f = tcpFrame(enc("hello"));
  f[f.length - 1] ^= 0xff;
  add("tcp-bad-checksum", f);
  f = tcpFrame(enc("x"));
  put16(f, 16, 20 + 10); // IP total: 10-byte TCP segment
  fixIpChecksum(f);
  add("tcp-truncated", f);
  f = tcpFrame(enc("x"));
  f[46] = 3 << 4; // data offset 12 bytes
  fixTcpChecksum(f);
  add("tcp-bad-header-len", f);
  f = tcpFrame(new Uint8Array(0), { ...seg(0), mss: 1460 });
  f[55] = 9; // MSS option length 9
  fixTcpChecksum(f);
  add("tcp-bad-option", f);
  f = icmpFrame();
  f[f.length - 1] ^= 1;
  add("icmp-bad-checksum", f);
  f = icmpFrame();
  f[34] = 13; // timestamp request
  put16(f, 36, 0);
  put16(f, 36, internetChecksum(f, 34, f.length - 34));
  add("icmp-unsupported-type", f);
  f = arpFrame();
  f[15] = 6; // hardware type 6
  add("arp-unsupported", f);
  f = arpFrame();
  f[21] = 9;
  add("arp-bad-op", f);
  add("arp-truncated", arpFrame().subarray(0, 30));
  f = arpFrame();
  f.set([10, 0, 0, 2], 28); // someone else claims 10.0.0.2
  add("arp-conflict", f);

  for (const [reason, frame] of cases) {
    const before = b.stack.stats.drops[reason as keyof typeof b.stack.stats.drops];
    assert.notEqual(before, undefined, reason);
    h.inject(b, frame);
    assert.equal(
      b.stack.stats.drops[reason as keyof typeof b.stack.stats.drops],
      before + 1,
      `expected a ${reason} drop`,
    );
  }
  assert.equal(totalDrops(b.stack.stats), cases.length);
  assert.equal(fake(b).inputs.length, 0);
  assert.equal(b.rxOutstanding, 0);
  // And the valid versions are accepted (padding included).
  const padded = new Uint8Array(60);
  const small = tcpFrame(enc("y"));
  padded.set(small);
  h.inject(b, padded);
  h.inject(
    b,
    tcpFrame(new Uint8Array(0), {
      ...seg(0, TCP_SYN),
      mss: 1460,
      tsVal: 1,
      tsEcr: 0,
      sackPermitted: true,
      windowScale: 7,
    }),
  );
  assert.equal(fake(b).inputs.length, 2);
  assert.equal(fake(b).inputs[0].payload.length, 1);
  assert.equal(fake(b).inputs[1].repr.mss, 1460);
  assert.equal(totalDrops(b.stack.stats), cases.length);
});

Deno.test("stack: 20k random and mutated frames never throw and never leak a buffer", () => {
  const { h, b } = twoStacks();
  const rng = new Rng(77, "fuzz");
  const seeds = [
    tcpFrame(enc("fuzzing payload")),
    tcpFrame(new Uint8Array(0), {
      ...seg(0, TCP_SYN),
      mss: 1460,
      tsVal: 5,
      tsEcr: 0,
      sackPermitted: true,
      windowScale: 7,
    }),
    tcpFrame(enc("s"), { ...seg(1), tsVal: 1, tsEcr: 2, sack: [[1, 2], [3, 4], [5, 6]] }),
    icmpFrame(),
    arpFrame(),
  ];
  const FRAMES = 20_000;
  for (let i = 0; i < FRAMES; i++) {
    let f: Uint8Array;
    const mode = rng.int(4);
    if (mode === 0) {
      f = rng.fill(new Uint8Array(rng.int(120)));
      if (rng.chance(0.5) && f.length >= 14) {
        f.set(MAC_B, 0);
        put16(f, 12, rng.chance(0.5) ? ETHERTYPE_IPV4 : ETHERTYPE_ARP);
      }
    } else {
      f = seeds[rng.int(seeds.length)].slice();
      const flips = 1 + rng.int(4);
      for (let k = 0; k < flips; k++) f[14 + rng.int(f.length - 14)] = rng.int(256);
      if (mode === 2) f = f.subarray(0, rng.int(f.length + 1));
      if (mode === 3 && f.length >= 34) {
        // Keep checksums valid so the mutation reaches the deeper parsers.
        f[14] = 0x45;
        fixIpChecksum(f);
        fixTcpChecksum(f);
      }
    }
    h.inject(b, f);
  }
  const st = b.stack.stats;
  assert.equal(st.counters.rxFrames, FRAMES);
  assert.equal(b.rxOutstanding, 0);
  // Everything was either dropped with a reason or accepted by some layer.
  assert.ok(totalDrops(st) > FRAMES / 2);
  assert.ok(fake(b).inputs.length > 0, "some mutated segments still reach TCP");
  for (const r of DROP_REASONS) assert.ok(st.drops[r] >= 0);
});

Deno.test("stack: timers are driven at nextDeadline by the harness", () => {
  const { h, a } = twoStacks();
  fake(a).deadline = 5 * MS;
  h.command(a, () => {});
  h.runUntil(10 * MS);
  assert.deepEqual(fake(a).polls, [5 * MS]);
});

Deno.test("harness: link timing, pcap tap, the default TCP layer and config checks", () => {
  const pcap = new PcapWriter();
  const { h, a } = twoStacks({}, {}, pcap);
  h.command(a, (s, now) => s.ping(now, IP_B, 1, 1, new Uint8Array(100)));
  h.runFor(1 * MS);
  // ARP request, ARP reply, echo request, echo reply.
  assert.equal(pcap.records, 4);
  const ser60 = h.serialization(60);
  assert.equal(ser60, (60 + 24) * 8 * 100, "10 GbE: 0.8 ns per byte incl. FCS, preamble, gap");
  assert.equal(h.serialization(1500), (1500 + 24) * 800);
  const bytes = pcap.toBytes();
  const v = new DataView(bytes.buffer);
  // First record: the ARP request reaches the switch after uplink serialisation + latency.
  const t0 = v.getUint32(24, true) * SEC + v.getUint32(28, true) * 1000;
  assert.equal(t0, Math.floor((ser60 + h.link.latency) / 1000) * 1000, "ns resolution");
  assert.equal(v.getUint32(32, true), 60, "padded to the Ethernet minimum");
  const real = new Stack(
    { id: 9, ip: IP_A, mac: MAC_A, prefixLen: 24 },
    { transmit() {}, event() {}, acct: new CountingAccounting() },
    new Rng(1),
  );
  assert.ok(real.tcp instanceof TcpLayer);
  assert.throws(() =>
    new Stack({ id: 1, ip: IP_A, mac: BROADCAST_MAC, prefixLen: 24 }, {
      transmit() {},
      event() {},
      acct: new CountingAccounting(),
    }, new Rng(1)), /unicast/);
  assert.throws(() =>
    new Stack({ id: 1, ip: IP_A, mac: MAC_A, prefixLen: 33 }, {
      transmit() {},
      event() {},
      acct: new CountingAccounting(),
    }, new Rng(1)), /prefixLen/);
  assert.throws(
    () =>
      new Stack({ id: 1, ip: IP_A, mac: MAC_A, prefixLen: 24, gateway: IP_C + 1000 }, {
        transmit() {},
        event() {},
        acct: new CountingAccounting(),
      }, new Rng(1)),
    /gateway/,
  );
});

Deno.test("stack + default TcpLayer: a 256 KiB transfer through the harness, offload on one side, 1% loss", () => {
  const sched = new Scheduler();
  const h = new Harness(sched, new Rng(11, "tcp-integration"));
  const data = new Rng(12, "data").fill(new Uint8Array(256 * 1024));
  const received: Uint8Array[] = [];
  let acked = false;
  const b = h.addNode({ id: 1, ip: IP_B, mac: MAC_B, prefixLen: 24 }, {
    rxFault: new FaultInjector(new Rng(13, "loss"), { drop: 0.01 }),
    onEvent: (ev, node) => {
      if (ev.kind === "new_conn") node.stack.accept(ev.conn);
      if (ev.kind === "new_data") {
        received.push(gather(ev.refs));
        node.stack.recvDone(ev.conn, ev.rxId);
      }
    },
  });
  const a = h.addNode({ id: 0, ip: IP_A, mac: MAC_A, prefixLen: 24, txChecksumOffload: true }, {
    onEvent: (ev, node, now) => {
      if (ev.kind === "connected") node.stack.send(now, ev.conn, [refOf(data)], 1);
      if (ev.kind === "data_acked") acked = true;
    },
  });
  h.command(b, (s) => s.listen(80, 8));
  h.command(a, (s, now) => s.connect(now, { addr: IP_B, port: 80 }));
  h.runUntil(2 * SEC);
  assert.ok(acked, "all data acknowledged");
  const all = new Uint8Array(data.length);
  let o = 0;
  for (const r of received) {
    all.set(r, o);
    o += r.length;
  }
  assert.equal(o, data.length);
  assert.deepEqual(all, data);
  assert.equal(b.stack.stats.drops["tcp-bad-checksum"], 0);
  assert.equal(a.rxOutstanding + b.rxOutstanding, 0);
});

Deno.test("harness: with rxChecksumOffload the emulated NIC drops bad TCP checksums; the stack charges none", () => {
  const acctB = new CountingAccounting();
  const sched = new Scheduler();
  const h = new Harness(sched, new Rng(21, "rx-offload"));
  let corruptNext = true;
  const flipLast = {
    apply(now: Time, frame: Uint8Array, deliver: (t: Time, f: Uint8Array) => void) {
      if (corruptNext && frame[23] === IPPROTO_TCP) {
        const c = frame.slice();
        c[c.length - 1] ^= 0x40;
        corruptNext = false;
        deliver(now, c);
      } else deliver(now, frame);
    },
  };
  const a = h.addNode(cfg(0, IP_A, MAC_A), { txFault: flipLast });
  const b = h.addNode(cfg(1, IP_B, MAC_B, { rxChecksumOffload: true }), { acct: acctB });
  const payload = [refOf(new Uint8Array(100).fill(7))];
  h.command(a, (_s, now) => fake(a).out(now, IP_A, IP_B, seg(100), payload));
  h.runFor(1 * MS);
  assert.equal(b.nicChecksumDrops, 1);
  assert.equal(fake(b).inputs.length, 0);
  h.command(a, (_s, now) => fake(a).out(now, IP_A, IP_B, seg(100), payload));
  h.runFor(1 * MS);
  assert.equal(fake(b).inputs.length, 1);
  assert.equal(acctB.get("checksum_byte"), 0);
});

Deno.test("stack: connect passes our address and an optional local port to the TCP layer", () => {
  const { h, a } = twoStacks();
  const remote = { addr: IP_B, port: 80 };
  h.command(a, (s, now) => s.connect(now, remote));
  h.command(a, (s, now) => s.connect(now, remote, 50001));
  assert.deepEqual(fake(a).connects, [[0, IP_A, remote], [0, IP_A, remote, 50001]]);
});

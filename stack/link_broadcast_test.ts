/**
 * RFC 1122 3.3.6: unicast IP in a link-layer broadcast or multicast frame is
 * discarded silently (no RST, no ICMP), counted under a named drop reason;
 * ARP broadcasts still work.
 */
import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { Scheduler } from "../core/scheduler.ts";
import { MS } from "../core/time.ts";
import { checksumFinish } from "../hw/checksum.ts";
import { Harness } from "./harness.ts";
import type { TcpLayer } from "./tcp/layer.ts";
import { ARP_OP_REQUEST, emitArp } from "./wire/arp.ts";
import {
  BROADCAST_MAC,
  emitEthernet,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  localMac,
  type MacAddr,
} from "./wire/ethernet.ts";
import { emitIcmpEcho, ICMP_ECHO_REQUEST } from "./wire/icmp.ts";
import { emitIpv4, IPPROTO_ICMP, IPPROTO_TCP, parseIp } from "./wire/ipv4.ts";
import { put16 } from "./wire/bytes.ts";
import { makeTcpRepr, TCP_SYN } from "./wire/tcp.ts";
import { emitTcp, TCP_CHECKSUM_OFFSET, tcpChecksumSum, tcpHeaderLen } from "./wire/tcp.ts";

const IP_A = parseIp("10.0.0.1")!, IP_B = parseIp("10.0.0.2")!;
const MAC_A = localMac(1), MAC_B = localMac(2);
/** An IPv4 multicast MAC (01:00:5e:...) and an arbitrary group address. */
const MULTICAST_MAC: MacAddr = new Uint8Array([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]);
const GROUP_MAC: MacAddr = new Uint8Array([0x03, 0x12, 0x34, 0x56, 0x78, 0x9a]);
const PORT = 80;

function setup() {
  const h = new Harness(new Scheduler(), new Rng(1, "bcast-test"));
  const a = h.addNode({ id: 0, ip: IP_A, mac: MAC_A, prefixLen: 24 });
  const b = h.addNode({ id: 1, ip: IP_B, mac: MAC_B, prefixLen: 24 });
  h.command(b, (s) => s.listen(PORT, 8));
  return { h, a, b };
}

function ipFrame(dstMac: MacAddr, protocol: number, l4Len: number): Uint8Array {
  const f = new Uint8Array(14 + 20 + l4Len);
  emitEthernet({ dst: dstMac, src: MAC_A, ethertype: ETHERTYPE_IPV4 }, f, 0);
  emitIpv4(
    {
      src: IP_A,
      dst: IP_B,
      protocol,
      payloadLen: l4Len,
      ttl: 64,
      ident: 1,
      dontFragment: true,
      tos: 0,
    },
    f,
    14,
  );
  return f;
}

/** A SYN from A:40000 to B:PORT, to our IP, in a frame addressed to `dstMac`. */
function synFrame(dstMac: MacAddr, dstPort = PORT): Uint8Array {
  const repr = {
    ...makeTcpRepr(),
    srcPort: 40000,
    dstPort,
    seq: 1000,
    flags: TCP_SYN,
    window: 1000,
  };
  const tl = tcpHeaderLen(repr);
  const f = ipFrame(dstMac, IPPROTO_TCP, tl);
  emitTcp(repr, f, 34);
  put16(f, 34 + TCP_CHECKSUM_OFFSET, 0);
  put16(f, 34 + TCP_CHECKSUM_OFFSET, checksumFinish(tcpChecksumSum(f, 34, tl, IP_A, IP_B, tl)));
  return f;
}

function echoFrame(dstMac: MacAddr): Uint8Array {
  const data = new Uint8Array(8);
  const f = ipFrame(dstMac, IPPROTO_ICMP, 8 + data.length);
  emitIcmpEcho({ type: ICMP_ECHO_REQUEST, ident: 7, seq: 1, data }, f, 34);
  return f;
}

Deno.test("stack: a TCP SYN to our IP in a broadcast frame is dropped silently (RFC 1122 3.3.6)", () => {
  const { h, b } = setup();
  const txBefore = b.txFrames;
  h.inject(b, synFrame(BROADCAST_MAC));
  h.inject(b, synFrame(BROADCAST_MAC, PORT + 1)); // closed port: no RST either
  h.runFor(1 * MS);
  assert.equal(b.txFrames, txBefore);
  assert.equal(b.stack.stats.drops["ip-link-broadcast"], 2);
  assert.equal((b.stack.tcp as TcpLayer).connectionCount, 0);
});

Deno.test("stack: a TCP SYN or ping in a multicast/group frame is dropped silently", () => {
  const { h, b } = setup();
  const txBefore = b.txFrames;
  for (const mac of [MULTICAST_MAC, GROUP_MAC]) {
    h.inject(b, synFrame(mac));
    h.inject(b, echoFrame(mac));
  }
  h.inject(b, echoFrame(BROADCAST_MAC));
  h.runFor(1 * MS);
  assert.equal(b.txFrames, txBefore);
  assert.equal(b.stack.stats.counters.echoRepliesOut, 0);
  assert.equal(b.stack.stats.drops["ip-link-broadcast"], 1);
  assert.equal(b.stack.stats.drops["eth-not-for-us"], 4);
});

Deno.test("stack: the same SYN to our own MAC is answered; ARP broadcasts still work", () => {
  const { h, a, b } = setup();
  // ARP request for B, broadcast: B learns A and replies.
  const arp = new Uint8Array(60);
  emitEthernet({ dst: BROADCAST_MAC, src: MAC_A, ethertype: ETHERTYPE_ARP }, arp, 0);
  emitArp(
    {
      op: ARP_OP_REQUEST,
      senderMac: MAC_A,
      senderIp: IP_A,
      targetMac: new Uint8Array(6),
      targetIp: IP_B,
    },
    arp,
    14,
  );
  h.inject(b, arp);
  assert.equal(b.stack.stats.counters.txArpReplies, 1);
  const txBefore = b.txFrames;
  h.inject(b, synFrame(MAC_B));
  h.inject(b, echoFrame(MAC_B));
  h.runFor(1 * MS);
  assert.equal(b.txFrames, txBefore + 2); // the SYN-ACK and the echo reply
  assert.equal(b.stack.stats.counters.echoRepliesOut, 1);
  assert.equal(b.stack.stats.drops["ip-link-broadcast"], 0);
  // A real connection over ARP still opens.
  h.command(a, (s, now) => s.connect(now, { addr: IP_B, port: PORT }));
  h.runFor(1 * MS);
  assert.ok(a.events.some((e) => e.kind === "connected"));
});

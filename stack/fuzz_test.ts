/**
 * Fuzzing the stack with established TCP connections: 100,000+ frames of
 * random bytes, random but well-formed (checksummed) TCP/IPv4 headers, and
 * mutations of frames captured from the live connections (with and without
 * repaired checksums, so both the checksum check and the TCP state machine
 * are exercised). Nothing may throw, and afterwards the live connections must
 * still carry data byte-exact and close cleanly with every buffer released.
 *
 * Sequence numbers of fuzz frames that hit a live connection's 4-tuple are
 * kept out of its receive window unless the frame is a RST or SYN (which RFC
 * 5961 answers with a challenge ACK): an in-window data segment or an exact
 * RST with a correct checksum is indistinguishable from the real peer, so
 * TCP would rightly accept it, and that is not what this test is about.
 */
import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { Scheduler } from "../core/scheduler.ts";
import { MS, SEC, US } from "../core/time.ts";
import { gather, refOf } from "./buf.ts";
import { checksumAdd, checksumFinish, internetChecksum, pseudoHeaderSum } from "../hw/checksum.ts";
import type { ConnId, SocketEvent } from "./events.ts";
import { type FrameFilter, Harness, type HarnessNode } from "./harness.ts";
import { totalDrops } from "./stack.ts";
import { DEFAULT_TCP_CONFIG } from "./tcp/config.ts";
import { St } from "./tcp/conn.ts";
import { tcpOf } from "./testing.ts";
import { seqAdd, seqDiff } from "./tcp/seq.ts";
import { ETHERTYPE_IPV4, localMac } from "./wire/ethernet.ts";
import { get16, get32, put16, put32 } from "./wire/bytes.ts";
import { IPPROTO_TCP } from "./wire/ipv4.ts";
import { TCP_RST, TCP_SYN } from "./wire/tcp.ts";

const IP_CLIENT = 0x0a000001, IP_SERVER = 0x0a000002;
const PORT = 80;
const CONNS = 4;
const FUZZ_FRAMES = 100_000;
const ETH = 14;
const ETH_TYPE_OFF = 12;

/** An echo server and a client that checks the echo, per connection. */
class EchoClient {
  sent: Uint8Array[] = [];
  sentBytes = 0;
  echoed = 0;
  mismatches = 0;
  cleanup: string | null = null;
  constructor(readonly conn: ConnId) {}
  expectAt(i: number): number {
    let o = i;
    for (const s of this.sent) {
      if (o < s.length) return s[o];
      o -= s.length;
    }
    return -1;
  }
}

function setup(seed: number) {
  const h = new Harness(new Scheduler(), new Rng(seed, "fuzz-harness"));
  const captured: Uint8Array[] = [];
  let capturing = true;
  const tap: FrameFilter = {
    apply(now, frame, deliver) {
      if (capturing && get16(frame, ETH_TYPE_OFF) === ETHERTYPE_IPV4) captured.push(frame.slice());
      deliver(now, frame);
    },
  };
  const clients = new Map<ConnId, EchoClient>();
  const serverCleanups: string[] = [];
  const server = h.addNode(
    { id: 1, ip: IP_SERVER, mac: localMac(2), prefixLen: 24 },
    {
      txFault: tap,
      onEvent: (ev: SocketEvent, node: HarnessNode, now) => {
        if (ev.kind === "new_conn") node.stack.accept(ev.conn);
        if (ev.kind === "new_data") {
          const copy = gather(ev.refs);
          node.stack.recvDone(ev.conn, ev.rxId);
          node.stack.send(now, ev.conn, [refOf(copy)], 0);
        }
        if (ev.kind === "remote_closed") node.stack.close(now, ev.conn);
        if (ev.kind === "cleanup") serverCleanups.push(ev.reason);
      },
    },
  );
  const client = h.addNode(
    { id: 0, ip: IP_CLIENT, mac: localMac(1), prefixLen: 24 },
    {
      txFault: tap,
      onEvent: (ev: SocketEvent, node: HarnessNode) => {
        const c = clients.get(ev.conn);
        if (!c) return;
        if (ev.kind === "new_data") {
          for (const r of ev.refs) {
            const b = r.mem.read(r.off, r.len);
            for (let i = 0; i < b.length; i++) {
              if (b[i] !== c.expectAt(c.echoed + i)) c.mismatches++;
            }
            c.echoed += b.length;
          }
          node.stack.recvDone(ev.conn, ev.rxId);
        }
        if (ev.kind === "cleanup") c.cleanup = ev.reason;
      },
    },
  );
  h.command(server, (s) => s.listen(PORT, 8));
  for (let i = 0; i < CONNS; i++) {
    const id = h.command(client, (s, now) => s.connect(now, { addr: IP_SERVER, port: PORT }));
    clients.set(id, new EchoClient(id));
  }
  h.runFor(10 * MS);
  const send = (bytes: number, dataSeed: number) => {
    const rng = new Rng(dataSeed, "fuzz-data");
    for (const c of clients.values()) {
      const d = rng.fill(new Uint8Array(bytes));
      c.sent.push(d);
      c.sentBytes += d.length;
      h.command(client, (s, now) => s.send(now, c.conn, [refOf(d)], 1));
    }
  };
  return {
    h,
    client,
    server,
    clients,
    captured,
    serverCleanups,
    send,
    stopCapture: () => (capturing = false),
  };
}

/** Repairs the IPv4 header checksum and, when the segment is complete, the TCP checksum. */
function fixChecksums(f: Uint8Array): void {
  if (f.length < ETH + 20 || get16(f, ETH_TYPE_OFF) !== ETHERTYPE_IPV4) return;
  const ihl = (f[ETH] & 0x0f) * 4;
  if (ihl < 20 || ETH + ihl > f.length) return;
  put16(f, ETH + 10, 0);
  put16(f, ETH + 10, internetChecksum(f, ETH, ihl));
  const total = get16(f, ETH + 2);
  if (f[ETH + 9] !== IPPROTO_TCP || total < ihl + 20 || ETH + total > f.length) return;
  const l4 = ETH + ihl, len = total - ihl;
  put16(f, l4 + 16, 0);
  const sum = checksumAdd(
    pseudoHeaderSum(get32(f, ETH + 12), get32(f, ETH + 16), IPPROTO_TCP, len),
    f,
    l4,
    len,
  );
  put16(f, l4 + 16, checksumFinish(sum));
}

/** A random, well-formed Ethernet + IPv4 + TCP frame to `dstIp`/`dstMac` (random header fields). */
function randomTcpFrame(
  rng: Rng,
  dstMac: Uint8Array,
  srcIp: number,
  dstIp: number,
  srcPort: number,
  dstPort: number,
): Uint8Array {
  const optLen = rng.chance(0.5) ? 4 * rng.int(11) : 0;
  const dataLen = rng.chance(0.5) ? rng.int(1461) : 0;
  const tcpLen = 20 + optLen + dataLen;
  const f = new Uint8Array(ETH + 20 + tcpLen);
  f.set(dstMac, 0);
  f.set(localMac(200 + rng.int(50)), 6);
  put16(f, ETH_TYPE_OFF, ETHERTYPE_IPV4);
  f[ETH] = 0x45;
  put16(f, ETH + 2, 20 + tcpLen);
  put16(f, ETH + 4, rng.int(65536));
  if (rng.chance(0.9)) put16(f, ETH + 6, 0x4000);
  f[ETH + 8] = 64;
  f[ETH + 9] = IPPROTO_TCP;
  put32(f, ETH + 12, srcIp);
  put32(f, ETH + 16, dstIp);
  const t = ETH + 20;
  put16(f, t, srcPort);
  put16(f, t + 2, dstPort);
  put32(f, t + 4, rng.nextU32());
  put32(f, t + 8, rng.nextU32());
  // data offset: usually right, sometimes anything
  const doff = rng.chance(0.9) ? (20 + optLen) / 4 : rng.int(16);
  f[t + 12] = doff << 4;
  f[t + 13] = rng.chance(0.7)
    ? [0x02, 0x10, 0x12, 0x04, 0x14, 0x11, 0x18, 0x01][rng.int(8)]
    : rng.int(256);
  put16(f, t + 14, rng.int(65536));
  put16(f, t + 18, rng.int(65536));
  // options: real kinds with random lengths/values, or garbage
  for (let o = 0; o < optLen;) {
    const kind = rng.chance(0.8) ? [0, 1, 2, 3, 4, 5, 8, 99][rng.int(8)] : rng.int(256);
    f[t + 20 + o++] = kind;
    if (o < optLen && kind > 1) {
      f[t + 20 + o++] = rng.chance(0.8) ? [2, 3, 4, 10, 18, 34][rng.int(6)] : rng.int(256);
    }
    while (o < optLen && rng.chance(0.6)) f[t + 20 + o++] = rng.int(256);
  }
  rng.fill(f.subarray(t + 20 + optLen));
  fixChecksums(f);
  return f;
}

Deno.test("fuzz: 100,000 random and mutated frames never throw; live connections survive", () => {
  const env = setup(7);
  const { h, client, server, clients, captured } = env;
  env.send(32 * 1024, 1);
  h.runFor(100 * MS);
  for (const c of clients.values()) {
    assert.equal(c.echoed, c.sentBytes);
    assert.equal(c.mismatches, 0);
  }
  env.stopCapture();
  assert.ok(captured.length > 100, `captured ${captured.length}`);

  const rng = new Rng(7, "fuzz");
  const nodes = [server, client];
  const peerIp = (n: HarnessNode) => (n === server ? IP_CLIENT : IP_SERVER);
  const macOf = (n: HarnessNode) => (n === server ? localMac(2) : localMac(1));
  /** Live connections of a node as [localPort, remotePort, conn]. */
  const live = (n: HarnessNode) => {
    const tcp = tcpOf(n);
    return tcp.connectionIds().map((id) => tcp.info(id)!).filter((i) =>
      i.state === St.Established && i.remote.addr === peerIp(n)
    );
  };
  const liveClient = live(client), liveServer = live(server);
  assert.equal(liveClient.length, CONNS);
  assert.equal(liveServer.length, CONNS);

  /** Keeps a checksummed frame aimed at a live connection out of its receive window. */
  const defuse = (n: HarnessNode, f: Uint8Array) => {
    if (f.length < ETH + 40 || get16(f, ETH_TYPE_OFF) !== ETHERTYPE_IPV4) return;
    const ihl = (f[ETH] & 0x0f) * 4;
    if (ihl < 20 || f[ETH + 9] !== IPPROTO_TCP || ETH + ihl + 20 > f.length) return;
    const t = ETH + ihl;
    const src = get32(f, ETH + 12), dst = get32(f, ETH + 16);
    const tcp = tcpOf(n);
    for (const id of tcp.connectionIds()) {
      const i = tcp.info(id)!;
      if (
        i.local.addr !== dst || i.remote.addr !== src || i.local.port !== get16(f, t + 2) ||
        i.remote.port !== get16(f, t)
      ) continue;
      const seq = get32(f, t + 4);
      const flags = f[t + 13];
      const near = Math.abs(seqDiff(seq, i.rcvNxt)) < (1 << 24);
      if (flags & (TCP_RST | TCP_SYN)) {
        if (seq === i.rcvNxt) put32(f, t + 4, seqAdd(i.rcvNxt, 1));
      } else if (near) {
        put32(f, t + 4, seqAdd(i.rcvNxt, 0x80000000));
      }
      fixChecksums(f);
    }
  };

  let fromRandom = 0, fromHeader = 0, fromCapture = 0, fromCaptureFixed = 0;
  for (let i = 0; i < FUZZ_FRAMES; i++) {
    const n = nodes[i & 1];
    const r = rng.float();
    let f: Uint8Array;
    if (r < 0.15) {
      // random bytes, sometimes with our MAC and the IPv4 ethertype so they get further
      f = rng.fill(new Uint8Array(rng.int(1515)));
      if (f.length >= 14 && rng.chance(0.7)) {
        f.set(macOf(n), 0);
        put16(f, ETH_TYPE_OFF, ETHERTYPE_IPV4);
        if (f.length > ETH && rng.chance(0.7)) f[ETH] = 0x45;
      }
      fromRandom++;
    } else if (r < 0.45) {
      const others = n === server ? liveServer : liveClient;
      const target = others[rng.int(others.length)];
      const aimed = rng.chance(0.5);
      const srcIp = aimed || rng.chance(0.5) ? peerIp(n) : 0x0a000000 + rng.int(256);
      const dstIp = rng.chance(0.95) ? (n === server ? IP_SERVER : IP_CLIENT) : rng.nextU32();
      const dstPort = aimed ? target.local.port : rng.chance(0.5) ? PORT : rng.int(65536);
      const srcPort = aimed ? target.remote.port : rng.int(65536);
      f = randomTcpFrame(rng, macOf(n), srcIp, dstIp, srcPort, dstPort);
      fromHeader++;
    } else {
      // a captured frame (sent by the other side to this node), mutated
      const pool = captured.filter((x) =>
        get32(x, ETH + 16) === (n === server ? IP_SERVER : IP_CLIENT)
      );
      f = pool[rng.int(pool.length)].slice();
      const k = 1 + rng.int(4);
      for (let j = 0; j < k; j++) {
        const region = rng.float();
        // bias mutations to the TCP header (34..54) and the IP header (14..34)
        const pos = region < 0.6
          ? 34 + rng.int(Math.min(40, f.length - 34))
          : region < 0.8
          ? 14 + rng.int(20)
          : rng.int(f.length);
        f[pos] = rng.chance(0.5) ? f[pos] ^ (1 << rng.int(8)) : rng.int(256);
      }
      if (rng.chance(0.15)) f = f.subarray(0, rng.int(f.length));
      else if (rng.chance(0.05)) {
        const g = new Uint8Array(f.length + rng.int(100));
        g.set(f);
        f = g;
      }
      if (rng.chance(0.6)) {
        fixChecksums(f);
        fromCaptureFixed++;
      } else {
        fromCapture++;
      }
    }
    defuse(n, f);
    h.inject(n, f);
    if (i % 64 === 63) h.runFor(2 * US);
  }
  assert.equal(fromRandom + fromHeader + fromCapture + fromCaptureFixed, FUZZ_FRAMES);

  // The fuzz reached every layer: frames dropped below TCP and segments dropped by TCP.
  for (const n of nodes) {
    assert.ok(totalDrops(n.stack.stats) > 1000);
    assert.ok(n.stack.stats.drops["tcp-bad-checksum"] > 100);
    const st = tcpOf(n).stats;
    assert.ok(st.segmentsIn > 10_000, `tcp segments in ${st.segmentsIn}`);
    assert.ok(st.dropped > 1000);
  }
  const st = tcpOf(server).stats;
  assert.ok(st.rstsSent > 0);
  assert.ok(st.challengeAcks + st.challengeAcksSuppressed > 0);

  // The live connections still work: echo another 256 KiB each, byte exact, then close.
  for (const c of clients.values()) assert.equal(c.cleanup, null);
  env.send(256 * 1024, 2);
  h.runFor(5 * SEC);
  for (const c of clients.values()) {
    assert.equal(c.mismatches, 0);
    assert.equal(c.echoed, c.sentBytes);
    h.command(client, (s, now) => s.close(now, c.conn));
  }
  h.runFor(2 * DEFAULT_TCP_CONFIG.msl + 5 * SEC); // the clients close actively: TIME_WAIT
  for (const c of clients.values()) assert.equal(c.cleanup, "closed");
  assert.equal(env.serverCleanups.filter((r) => r === "closed").length, CONNS);
  // Half-open fuzz connections time out eventually; then every buffer is back.
  h.runFor(300 * SEC);
  assert.equal(tcpOf(client).connectionCount, 0);
  assert.equal(tcpOf(server).connectionCount, 0);
  assert.equal(client.rxOutstanding + server.rxOutstanding, 0);
});

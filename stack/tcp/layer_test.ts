import assert from "node:assert/strict";
import { refOf, SharedRx } from "../buf.ts";
import type { CleanupReason, ConnId, SocketEvent } from "../events.ts";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpRepr } from "../wire/tcp.ts";
import { MS, SEC, type Time, US } from "../../core/time.ts";
import { St } from "./conn.ts";
import { TcpLayer } from "./layer.ts";
import { seqAdd, seqDiff } from "./seq.ts";
import { MemPair } from "./mem_pair.ts";
import {
  ADDR_A,
  ADDR_B,
  TEST_DELAY,
  testBytes,
  TestHost,
  TestNet,
  type WireSeg,
} from "./testing.ts";
import { FREE_ACCOUNTING } from "../accounting.ts";
import { Rng } from "../../core/rng.ts";

const PORT = 80;

/** Connects a -> b:PORT and runs until established; returns [client conn, server conn]. */
function established(net: TestNet, backlog = 16): [ConnId, ConnId] {
  net.b.layer.listen(PORT, backlog);
  const c = net.a.connect(net.b, PORT);
  net.runFor(Math.max(1 * MS, 4 * net.delay));
  const nc = net.b.eventsOf("new_conn");
  assert.equal(nc.length, 1);
  assert.equal(net.a.eventsOf("connected").length, 1);
  return [c, nc[0].conn];
}

function cleanupReason(h: TestHost, conn: ConnId): CleanupReason | undefined {
  const ev = h.events.find((e) => e.kind === "cleanup" && e.conn === conn);
  return ev && ev.kind === "cleanup" ? ev.reason : undefined;
}

/** Feeds a hand-made segment to `to` as if sent by `fromAddr`; returns what `to` sent in reply. */
function inject(
  net: TestNet,
  to: TestHost,
  fromAddr: number,
  seg: Partial<TcpRepr> & { srcPort: number; dstPort: number },
  data = new Uint8Array(0),
): WireSeg[] {
  const before = net.log.length;
  const repr: TcpRepr = {
    seq: 0,
    ack: 0,
    flags: 0,
    window: 65535,
    urgent: 0,
    payloadLen: data.length,
    ...seg,
  };
  const ref = refOf(data);
  to.liveRx++;
  const rx = new SharedRx({ ref, release: () => to.liveRx-- });
  to.layer.input(net.sched.now, fromAddr, to.addr, repr, ref, rx);
  rx.release();
  to.kick();
  return net.log.slice(before).filter((s) => s.from === to);
}

Deno.test("tcp: three-way handshake negotiates MSS, window scale and SACK", () => {
  const net = new TestNet({ mss: 1460 }, { mss: 1000 });
  const [c, s] = established(net);
  const syn = net.log[0], synAck = net.log[1], ack = net.log[2];
  assert.equal(syn.repr.flags, TCP_SYN);
  assert.equal(syn.repr.mss, 1460);
  assert.equal(syn.repr.sackPermitted, true);
  assert.equal(synAck.repr.flags, TCP_SYN | TCP_ACK);
  assert.equal(synAck.repr.ack, seqAdd(syn.repr.seq, 1));
  assert.equal(synAck.repr.mss, 1000);
  assert.equal(ack.repr.flags, TCP_ACK);
  assert.equal(ack.repr.seq, seqAdd(syn.repr.seq, 1));
  assert.equal(ack.repr.ack, seqAdd(synAck.repr.seq, 1));
  const ia = net.a.layer.info(c)!, ib = net.b.layer.info(s)!;
  assert.equal(ia.state, St.Established);
  assert.equal(ib.state, St.Established);
  assert.equal(ia.sndMss, 1000);
  assert.equal(ib.sndMss, 1000);
  assert.ok(ia.sackOk && ib.sackOk);
  assert.equal(ia.rcvWscale, ib.sndWscale);
  // both receive windows are anchored at RCV.NXT and bounded by the buffer
  for (const i of [ia, ib]) assert.ok(i.rcvWnd > 0 && i.rcvWnd <= net.a.layer.cfg.rcvBuf);
  assert.equal(ia.rcvWnd, net.a.layer.cfg.rcvBuf);
  const nc = net.b.eventsOf("new_conn")[0];
  assert.ok(nc.kind === "new_conn");
  assert.deepEqual(nc.remote, { addr: ADDR_A, port: ia.local.port });
  assert.deepEqual(nc.local, { addr: ADDR_B, port: PORT });
  assert.ok(ia.local.port >= 49152);
  // the handshake RTT was measured (20 us) and the RTO clamped to the 200 ms minimum
  assert.equal(ia.srtt, 2 * TEST_DELAY);
  assert.equal(ia.rto, 200 * MS);
  assert.equal(net.a.acct.get("tcp_conn"), 1);
  assert.ok(net.b.acct.get("flow_lookup") >= 2);
});

Deno.test("tcp: data both ways, byte exact, data_acked per send in order", () => {
  const net = new TestNet();
  const [c, s] = established(net);
  const up = testBytes(300_000, 1), down = testBytes(200_000, 2);
  // several sends of odd sizes, each segment may span refs
  for (let i = 0, tok = 1; i < up.length; tok++) {
    const n = Math.min(up.length - i, 7777 + tok * 13);
    net.a.send(c, [refOf(up.subarray(i, i + n / 2)), refOf(up.subarray(i + n / 2, i + n))], tok);
    i += n;
  }
  net.b.send(s, down, 99);
  net.runFor(1 * SEC);
  assert.deepEqual(net.b.bytes(s), up);
  assert.deepEqual(net.a.bytes(c), down);
  const tokens = net.a.eventsOf("data_acked").map((e) => (e.kind === "data_acked" ? e.token : 0));
  assert.deepEqual(tokens, tokens.map((_, i) => i + 1));
  assert.ok(tokens.length > 30);
  assert.equal(net.b.eventsOf("data_acked").length, 1);
  // every segment respects the MSS, and receive buffers all went back
  for (const seg of net.log) assert.ok(seg.data.length <= 1460);
  assert.equal(net.a.liveRx, 0);
  assert.equal(net.b.liveRx, 0);
  assert.equal(net.a.layer.stats.retransmits, 0);
  assert.equal(net.b.layer.stats.bytesIn, up.length);
});

Deno.test("tcp: sequence numbers wrap across 2^32 (forced ISN)", () => {
  const isn = 0xffffffff - 3000;
  const net = new TestNet({ forceIsn: isn });
  const [c, s] = established(net);
  assert.equal(net.a.layer.info(c)!.iss, isn);
  const up = testBytes(100_000, 3), down = testBytes(50_000, 4);
  net.a.send(c, up, 1);
  net.b.send(s, down, 2);
  net.loss = 0.02; // some loss so retransmission crosses the wrap too
  net.runFor(20 * SEC);
  assert.deepEqual(net.b.bytes(s), up);
  assert.deepEqual(net.a.bytes(c), down);
  const ia = net.a.layer.info(c)!;
  assert.ok(ia.sndUna < 0x10000000, "send sequence wrapped");
  assert.equal(ia.sndUna, seqAdd(isn, 1 + up.length));
});

Deno.test("tcp: RTO backs off exponentially, then aborts with timeout", () => {
  const net = new TestNet({ maxRetries: 4 }, { synRetries: 2 });
  let synAckSeen = false;
  net.filter = (seg) => {
    if (synAckSeen) return "drop";
    if (seg.repr.flags === (TCP_SYN | TCP_ACK)) synAckSeen = true;
    return "pass";
  };
  net.b.layer.listen(PORT, 4);
  const c = net.a.connect(net.b, PORT);
  net.a.onEvent = (ev) => {
    if (ev.kind === "connected") net.a.send(c, testBytes(500, 5), 1);
  };
  net.runFor(30 * SEC);
  const data = net.sentBy(net.a, (s) => s.data.length > 0);
  assert.equal(data.length, 5); // original + 4 retransmissions
  const gaps = data.slice(1).map((s, i) => s.t - data[i].t);
  assert.deepEqual(gaps, [200 * MS, 400 * MS, 800 * MS, 1600 * MS]);
  for (const s of data) assert.equal(s.repr.seq, data[0].repr.seq);
  const cleanup = net.a.events.find((e) => e.kind === "cleanup");
  assert.ok(cleanup && cleanup.kind === "cleanup");
  assert.equal(cleanup.reason, "timeout");
  assert.equal(net.a.eventsOf("data_acked").length, 0);
  assert.equal(net.a.layer.stats.rtos, 4);
  assert.equal(net.a.layer.connectionCount, 0);
  // the server never completed the handshake: SYN-ACK retried, then silently dropped
  assert.equal(net.b.layer.stats.synRetransmits, 2);
  assert.equal(net.b.layer.connectionCount, 0);
  assert.equal(net.b.events.length, 0);
  assert.equal(net.b.layer.backlogOf(PORT), 0);
});

Deno.test("tcp: SYN retransmission backoff and connect timeout", () => {
  const net = new TestNet({ synRetries: 3 });
  net.filter = () => "drop";
  const c = net.a.connect(net.b, PORT);
  net.runFor(60 * SEC);
  const syns = net.sentBy(net.a);
  assert.deepEqual(syns.map((s) => s.t), [0, 1 * SEC, 3 * SEC, 7 * SEC]);
  assert.equal(cleanupReason(net.a, c), "timeout");
  assert.equal(net.a.layer.connectionCount, 0);
});

Deno.test("tcp: connect to a closed port is refused by RST", () => {
  const net = new TestNet();
  const c = net.a.connect(net.b, 81);
  net.runFor(1 * MS);
  assert.equal(cleanupReason(net.a, c), "refused");
  const rst = net.sentBy(net.b)[0];
  assert.equal(rst.repr.flags, TCP_RST | TCP_ACK);
  assert.equal(rst.repr.ack, seqAdd(net.log[0].repr.seq, 1));
  assert.equal(net.b.layer.stats.rstsSent, 1);
  assert.equal(net.b.layer.stats.drops("no_conn"), 1);
  // an ACK segment to a closed port gets RST with seq = its ack
  const r = inject(net, net.b, ADDR_A, {
    srcPort: 1234,
    dstPort: 99,
    seq: 5,
    ack: 777,
    flags: TCP_ACK,
  });
  assert.equal(r.length, 1);
  assert.equal(r[0].repr.flags, TCP_RST);
  assert.equal(r[0].repr.seq, 777);
  // a RST to a closed port is not answered
  assert.equal(
    inject(net, net.b, ADDR_A, { srcPort: 1234, dstPort: 99, flags: TCP_RST }).length,
    0,
  );
  assert.equal(net.b.layer.stats.drops("no_conn_rst"), 1);
});

Deno.test("tcp: simultaneous open", () => {
  const net = new TestNet(
    { ephemeralPortMin: 5000, ephemeralPortMax: 5000 },
    { ephemeralPortMin: 6000, ephemeralPortMax: 6000 },
  );
  const ca = net.a.connect(net.b, 6000);
  const cb = net.b.connect(net.a, 5000);
  net.runFor(1 * MS);
  assert.equal(net.a.eventsOf("connected").length, 1);
  assert.equal(net.b.eventsOf("connected").length, 1);
  assert.equal(net.a.layer.info(ca)!.state, St.Established);
  assert.equal(net.b.layer.info(cb)!.state, St.Established);
  const x = testBytes(20_000, 6), y = testBytes(30_000, 7);
  net.a.send(ca, x);
  net.b.send(cb, y);
  net.runFor(1 * SEC);
  assert.deepEqual(net.b.bytes(cb), x);
  assert.deepEqual(net.a.bytes(ca), y);
});

Deno.test("tcp: simultaneous close goes through CLOSING to TIME_WAIT on both sides", () => {
  const msl = 100 * MS;
  const net = new TestNet({ msl });
  const [c, s] = established(net);
  net.a.shutdown(c);
  net.b.shutdown(s);
  net.runFor(1 * MS);
  assert.equal(net.a.layer.info(c)!.state, St.TimeWait);
  assert.equal(net.b.layer.info(s)!.state, St.TimeWait);
  assert.equal(net.a.eventsOf("remote_closed").length, 1);
  assert.equal(net.b.eventsOf("remote_closed").length, 1);
  net.runFor(2 * msl);
  assert.equal(cleanupReason(net.a, c), "closed");
  assert.equal(cleanupReason(net.b, s), "closed");
  assert.equal(net.a.layer.connectionCount + net.b.layer.connectionCount, 0);
});

Deno.test("tcp: TIME_WAIT lasts 2*MSL, re-ACKs a retransmitted FIN, then cleans up", () => {
  const msl = 250 * MS;
  const net = new TestNet({ msl });
  const [c, s] = established(net);
  net.b.onEvent = (ev) => {
    if (ev.kind === "remote_closed") net.b.shutdown(s);
  };
  const tEv: Record<string, Time> = {};
  net.a.onEvent = (ev) => tEv[ev.kind] = net.sched.now;
  net.a.shutdown(c);
  net.runFor(1 * MS);
  assert.equal(net.a.layer.info(c)!.state, St.TimeWait);
  assert.equal(cleanupReason(net.b, s), "closed"); // LAST_ACK done
  const finB = net.sentBy(net.b, (x) => (x.repr.flags & TCP_FIN) !== 0);
  assert.equal(finB.length, 1);
  const tTimeWait = finB[0].t + TEST_DELAY;
  // a retransmitted FIN during TIME_WAIT is ACKed again (and restarts the timer)
  net.runFor(100 * MS);
  const before = net.sentBy(net.a).length;
  inject(net, net.a, ADDR_B, { ...finB[0].repr });
  const after = net.sentBy(net.a);
  assert.equal(after.length, before + 1);
  assert.equal(after[after.length - 1].repr.flags, TCP_ACK);
  const tRestart = net.sched.now;
  net.runFor(2 * msl - 1);
  assert.equal(net.a.layer.info(c)!.state, St.TimeWait);
  net.runFor(10 * MS);
  assert.equal(cleanupReason(net.a, c), "closed");
  assert.equal(tEv["cleanup"], tRestart + 2 * msl);
  assert.ok(tRestart > tTimeWait);
});

Deno.test("tcp: TIME_WAIT without disturbance ends exactly 2*MSL after the peer's FIN", () => {
  const msl = 300 * MS;
  const net = new TestNet({ msl });
  const [c, s] = established(net);
  net.b.onEvent = (ev) => {
    if (ev.kind === "remote_closed") net.b.close(s);
  };
  let tCleanup = -1;
  net.a.onEvent = (ev) => {
    if (ev.kind === "cleanup") tCleanup = net.sched.now;
  };
  net.a.close(c);
  net.runFor(2 * SEC);
  const finB = net.sentBy(net.b, (x) => (x.repr.flags & TCP_FIN) !== 0)[0];
  assert.equal(tCleanup, finB.t + TEST_DELAY + 2 * msl);
});

Deno.test("tcp: window scaling negotiated and honoured with a large receive buffer", () => {
  const rcvBuf = 4 * 1024 * 1024;
  const net = new TestNet({ rcvBuf, initialWindowSegments: 64 });
  net.delay = 1 * MS; // long fat pipe: RTT 2 ms
  const [c, s] = established(net);
  const ia = net.a.layer.info(c)!;
  assert.equal(ia.rcvWscale, 7); // 4 MiB needs a shift of 7
  assert.equal(ia.sndWscale, 7);
  const data = testBytes(3_000_000, 8);
  net.a.send(c, data);
  let maxFlight = 0, maxWnd = 0;
  for (let i = 0; i < 400; i++) {
    net.runFor(100 * US);
    const x = net.a.layer.info(c)!;
    maxFlight = Math.max(maxFlight, seqDiff(x.sndNxt, x.sndUna));
    maxWnd = Math.max(maxWnd, x.sndWnd);
  }
  net.runFor(2 * SEC);
  assert.deepEqual(net.b.bytes(s), data);
  assert.ok(maxFlight > 65535 * 4, `flight ${maxFlight}`);
  assert.ok(maxWnd > 65535 * 16, `window ${maxWnd}`);
  for (const seg of net.sentBy(net.b)) {
    if (!(seg.repr.flags & TCP_SYN)) assert.ok(seg.repr.window <= 65535);
  }
});

Deno.test("tcp: without window scaling the window stays within 64 KiB", () => {
  const net = new TestNet({ rcvBuf: 1 << 20 }, { rcvBuf: 1 << 20, windowScaling: false });
  net.delay = 1 * MS;
  const [c, s] = established(net);
  assert.equal(net.a.layer.info(c)!.sndWscale, 0);
  assert.equal(net.a.layer.info(c)!.rcvWscale, 0);
  net.a.send(c, testBytes(500_000, 9));
  let maxFlight = 0;
  for (let i = 0; i < 200; i++) {
    net.runFor(100 * US);
    const x = net.a.layer.info(c)!;
    maxFlight = Math.max(maxFlight, seqDiff(x.sndNxt, x.sndUna));
  }
  net.runFor(2 * SEC);
  assert.equal(net.b.bytes(s).length, 500_000);
  assert.ok(maxFlight <= 65535 && maxFlight > 30000, `flight ${maxFlight}`);
});

Deno.test("tcp: zero window (app not releasing) -> persist probes with backoff -> reopen", () => {
  const rcvBuf = 11 * 1460; // a whole number of segments: the window closes exactly
  const net = new TestNet({ rcvBuf });
  const [c, s] = established(net);
  net.b.autoRelease = false;
  const data = testBytes(100_000, 10);
  net.a.send(c, data, 1);
  net.runFor(10 * MS);
  const held = net.b.bytes(s).length;
  assert.ok(held > 0 && held <= rcvBuf, `held ${held}`);
  assert.equal(net.b.layer.info(s)!.rcvWnd, 0);
  assert.equal(net.a.layer.info(c)!.sndWnd, 0);
  net.runFor(3 * SEC);
  const probes = net.sentBy(net.a, (x) => x.data.length === 0 && x.t > 5 * MS);
  assert.ok(probes.length >= 3);
  assert.equal(net.a.layer.stats.zeroWindowProbes, probes.length);
  const gaps = probes.slice(1).map((p, i) => p.t - probes[i].t);
  for (let i = 1; i < gaps.length; i++) assert.equal(gaps[i], 2 * gaps[i - 1]); // backoff
  assert.equal(net.b.bytes(s).length, held); // nothing more got through
  // every probe was answered with the (still zero) window
  const answers = net.sentBy(net.b, (x) => x.t > probes[0].t);
  assert.equal(answers.length, probes.length);
  for (const a of answers) assert.equal(a.repr.window, 0);
  // the app releases: the window reopens and the transfer completes
  net.b.autoRelease = true;
  net.b.releaseAll();
  net.runFor(1 * SEC);
  assert.deepEqual(net.b.bytes(s), data);
  assert.equal(net.a.eventsOf("data_acked").length, 1);
  assert.equal(net.b.liveRx, 0);
});

Deno.test("tcp: data_acked comes only when the peer's ACK arrives", () => {
  const net = new TestNet();
  const [c] = established(net);
  let dropAcks = true;
  net.filter = (seg) => (seg.from === net.b && dropAcks ? "drop" : "pass");
  let tAcked = -1;
  net.a.onEvent = (ev) => {
    if (ev.kind === "data_acked") tAcked = net.sched.now;
  };
  net.a.send(c, testBytes(3000, 11), 42);
  net.runFor(150 * MS); // data arrived at b long ago; every ACK was lost
  assert.equal(tAcked, -1);
  dropAcks = false;
  net.runFor(200 * MS); // the RTO retransmission is ACKed
  assert.ok(tAcked > 0);
  const ackSeg = net.sentBy(net.b).filter((x) => x.t + TEST_DELAY <= tAcked).pop()!;
  assert.equal(ackSeg.t + TEST_DELAY, tAcked); // at the very moment the ACK arrived
  assert.ok(net.a.layer.stats.rtos >= 1);
});

Deno.test("tcp: listen backlog bounds not-yet-accepted connections", () => {
  const net = new TestNet();
  net.b.autoAccept = false;
  net.b.layer.listen(PORT, 2);
  const conns = [0, 1, 2, 3].map(() => net.a.connect(net.b, PORT));
  net.runFor(10 * MS);
  assert.equal(net.b.eventsOf("new_conn").length, 2);
  assert.equal(net.b.layer.backlogOf(PORT), 2);
  assert.equal(net.b.layer.stats.drops("backlog_full"), 2);
  // accept both: the refused clients get in on their SYN retransmission (1 s)
  for (const ev of net.b.eventsOf("new_conn")) net.b.layer.accept(ev.conn);
  assert.equal(net.b.layer.backlogOf(PORT), 0);
  net.runFor(1500 * MS);
  assert.equal(net.b.eventsOf("new_conn").length, 4);
  assert.equal(net.a.eventsOf("connected").length, 4);
  assert.equal(net.b.layer.backlogOf(PORT), 2);
  void conns;
});

Deno.test("tcp: data before accept is queued and delivered after accept, then remote_closed", () => {
  const net = new TestNet();
  net.b.autoAccept = false;
  net.b.layer.listen(PORT, 4);
  const c = net.a.connect(net.b, PORT);
  const data = testBytes(5000, 12);
  net.a.onEvent = (ev) => {
    if (ev.kind === "connected") {
      net.a.send(c, data);
      net.a.shutdown(c);
    }
  };
  net.runFor(10 * MS);
  const s = net.b.eventsOf("new_conn")[0].conn;
  assert.equal(net.b.eventsOf("new_data").length, 0);
  assert.ok(net.b.layer.info(s)!.heldBytes === 5000);
  assert.equal(net.b.layer.info(s)!.state, St.CloseWait);
  net.b.layer.accept(s);
  const kinds = net.b.events.map((e) => e.kind);
  assert.deepEqual(kinds, ["new_conn", "new_data", "remote_closed"]);
  assert.deepEqual(net.b.bytes(s), data);
});

Deno.test("tcp: close with unread (never accepted) data resets the connection", () => {
  const net = new TestNet();
  net.b.autoAccept = false;
  net.b.layer.listen(PORT, 4);
  const c = net.a.connect(net.b, PORT);
  net.a.onEvent = (ev) => {
    if (ev.kind === "connected") net.a.send(c, testBytes(100, 13));
  };
  net.runFor(10 * MS);
  const s = net.b.eventsOf("new_conn")[0].conn;
  net.b.close(s);
  net.runFor(1 * MS);
  assert.equal(cleanupReason(net.b, s), "aborted");
  assert.equal(cleanupReason(net.a, c), "reset");
  assert.equal(net.b.liveRx, 0);
});

Deno.test("tcp: data arriving after close is answered with RST", () => {
  const net = new TestNet();
  const [c, s] = established(net);
  net.b.close(s); // b: FIN_WAIT_1 -> FIN_WAIT_2
  net.runFor(1 * MS);
  assert.equal(net.b.layer.info(s)!.state, St.FinWait2);
  net.a.send(c, testBytes(100, 14));
  net.runFor(1 * MS);
  assert.equal(net.b.layer.stats.drops("data_after_close"), 1);
  assert.equal(cleanupReason(net.b, s), "aborted");
  assert.equal(cleanupReason(net.a, c), "reset");
  assert.equal(net.b.eventsOf("new_data").length, 0);
});

Deno.test("tcp: RFC 5961 — in-window RST and SYN get challenge ACKs, exact RST resets", () => {
  const net = new TestNet();
  const [c, s] = established(net);
  const ib = net.b.layer.info(s)!;
  const base = { srcPort: ib.remote.port, dstPort: PORT };
  // RST in window but not at RCV.NXT: challenge ACK, connection survives
  let r = inject(net, net.b, ADDR_A, { ...base, flags: TCP_RST, seq: seqAdd(ib.rcvNxt, 100) });
  assert.equal(r.length, 1);
  assert.equal(r[0].repr.flags, TCP_ACK);
  assert.equal(r[0].repr.ack, ib.rcvNxt);
  assert.equal(net.b.layer.stats.challengeAcks, 1);
  assert.equal(net.b.layer.info(s)!.state, St.Established);
  // RST out of window: silently dropped
  r = inject(net, net.b, ADDR_A, { ...base, flags: TCP_RST, seq: seqAdd(ib.rcvNxt, 1 << 30) });
  assert.equal(r.length, 0);
  // SYN on an established connection: challenge ACK
  r = inject(net, net.b, ADDR_A, { ...base, flags: TCP_SYN, seq: 12345 });
  assert.equal(r.length, 1);
  assert.equal(r[0].repr.flags, TCP_ACK);
  assert.equal(net.b.layer.stats.challengeAcks, 2);
  // ACK for data never sent: dropped with an ACK
  r = inject(net, net.b, ADDR_A, {
    ...base,
    flags: TCP_ACK,
    seq: ib.rcvNxt,
    ack: seqAdd(ib.sndNxt, 5000),
  });
  assert.equal(net.b.layer.stats.drops("ack_unacceptable"), 1);
  assert.equal(r.length, 1);
  // the real connection still works
  const data = testBytes(10_000, 15);
  net.a.send(c, data);
  net.runFor(100 * MS);
  assert.deepEqual(net.b.bytes(s), data);
  // RST exactly at RCV.NXT resets
  const nb = net.b.layer.info(s)!;
  inject(net, net.b, ADDR_A, { ...base, flags: TCP_RST, seq: nb.rcvNxt });
  assert.equal(cleanupReason(net.b, s), "reset");
  assert.equal(net.b.liveRx, 0);
});

Deno.test("tcp: challenge ACKs are rate limited", () => {
  const net = new TestNet({ challengeAckLimit: 5 });
  const [, s] = established(net);
  const ib = net.b.layer.info(s)!;
  for (let i = 0; i < 20; i++) {
    inject(net, net.b, ADDR_A, { srcPort: ib.remote.port, dstPort: PORT, flags: TCP_SYN, seq: i });
  }
  assert.equal(net.b.layer.stats.challengeAcks, 5);
  assert.equal(net.b.layer.stats.challengeAcksSuppressed, 15);
  net.runFor(1 * SEC);
  inject(net, net.b, ADDR_A, { srcPort: ib.remote.port, dstPort: PORT, flags: TCP_SYN, seq: 1 });
  assert.equal(net.b.layer.stats.challengeAcks, 6);
});

Deno.test("tcp: loss recovery with fast retransmit / NewReno and out-of-order queueing", () => {
  const net = new TestNet({}, {}, 5);
  const [c, s] = established(net);
  net.loss = 0.03;
  const up = testBytes(2_000_000, 16), down = testBytes(1_000_000, 17);
  net.a.send(c, up);
  net.b.send(s, down);
  net.runFor(120 * SEC);
  assert.deepEqual(net.b.bytes(s), up);
  assert.deepEqual(net.a.bytes(c), down);
  const st = net.a.layer.stats;
  assert.ok(st.fastRetransmits > 0);
  assert.ok(net.b.layer.stats.oooQueued > 0);
  assert.ok(st.retransmits >= st.fastRetransmits);
  // the receiver sent SACK blocks while reassembling
  assert.ok(net.sentBy(net.b, (x) => (x.repr.sack?.length ?? 0) > 0).length > 0);
  assert.equal(net.a.liveRx + net.b.liveRx, 0);
});

Deno.test("tcp: reordering without loss is absorbed by the reassembly queue", () => {
  const net = new TestNet({ quickAckSegments: 0 });
  const [c, s] = established(net);
  // swap every 5th data segment with the next one
  let held: WireSeg | null = null;
  let n = 0;
  net.filter = (seg) => {
    if (seg.from !== net.a || seg.data.length === 0) return "pass";
    if (held) {
      const h = held;
      held = null;
      net.sched.after(net.delay + 1, (t: Time) => h.to.deliver(t, h));
      return "pass";
    }
    if (++n % 5 === 0) {
      held = seg;
      return "drop";
    }
    return "pass";
  };
  const data = testBytes(200_000, 18);
  net.a.send(c, data);
  net.runFor(2 * SEC);
  assert.deepEqual(net.b.bytes(s), data);
  assert.ok(net.b.layer.stats.oooQueued > 5);
});

Deno.test("tcp: the out-of-order queue is bounded; excess is dropped and counted", () => {
  const net = new TestNet({}, { oooMaxSegments: 2 });
  const [c, s] = established(net);
  let first = true;
  net.filter = (seg) => {
    if (seg.from === net.a && seg.data.length > 0 && first) {
      first = false;
      return "drop"; // lose the first data segment: everything after is out of order
    }
    return "pass";
  };
  const data = testBytes(14_600, 19);
  net.a.send(c, data);
  net.runFor(2 * SEC);
  assert.deepEqual(net.b.bytes(s), data);
  assert.ok(net.b.layer.stats.oooDropped > 0);
  assert.equal(net.b.layer.stats.drops("ooo_full"), net.b.layer.stats.oooDropped);
});

Deno.test("tcp: delayed ACK — every second full segment, or after the timeout", () => {
  const net = new TestNet({ quickAckSegments: 0 });
  const [c] = established(net);
  net.a.send(c, testBytes(100, 20)); // warm-up: b's first ACK opens its window beyond 64 KiB
  net.runFor(100 * MS);
  const t0 = net.sched.now;
  net.a.send(c, testBytes(100, 20));
  net.runFor(100 * MS);
  const acks = net.sentBy(net.b, (x) => x.t > t0);
  assert.equal(acks.length, 1);
  assert.equal(acks[0].t, t0 + TEST_DELAY + 40 * MS);
  // two full segments back to back: ACKed at once after the second
  const t1 = net.sched.now;
  net.a.send(c, testBytes(2920, 21));
  net.runFor(100 * MS);
  const acks2 = net.sentBy(net.b, (x) => x.t > t1);
  assert.equal(acks2.length, 1);
  assert.equal(acks2[0].t, t1 + TEST_DELAY);
  // quick-ACK mode at start: the default ACKs the first segments immediately
  const net2 = new TestNet();
  const [c2] = established(net2);
  const t2 = net2.sched.now;
  net2.a.send(c2, testBytes(100, 22));
  net2.runFor(100 * MS);
  assert.equal(net2.sentBy(net2.b, (x) => x.t > t2)[0].t, t2 + TEST_DELAY);
});

Deno.test("tcp: Nagle coalesces small writes when enabled, not by default", () => {
  for (const nagle of [false, true]) {
    const net = new TestNet({ nagle });
    const [c, s] = established(net);
    for (let i = 0; i < 50; i++) net.a.send(c, testBytes(10, 100 + i));
    net.runFor(1 * SEC);
    assert.equal(net.b.bytes(s).length, 500);
    const segs = net.sentBy(net.a, (x) => x.data.length > 0).length;
    if (nagle) assert.equal(segs, 2);
    else assert.equal(segs, 50);
  }
});

Deno.test("tcp: recvDone releases buffers; cleanup releases everything still held", () => {
  const net = new TestNet();
  const [c, s] = established(net);
  net.b.autoRelease = false;
  net.a.send(c, testBytes(20_000, 23));
  net.runFor(100 * MS);
  assert.ok(net.b.liveRx > 0);
  const first = net.b.held.shift()!;
  const live = net.b.liveRx;
  net.b.layer.recvDone(first.conn, first.rxId);
  assert.equal(net.b.liveRx, live - 1);
  net.b.layer.recvDone(first.conn, first.rxId); // again: counted, ignored
  assert.equal(net.b.layer.stats.badRecvDone, 1);
  // reset from a: b's cleanup releases the rest
  net.a.close(c);
  const ib = net.b.layer.info(s)!;
  inject(net, net.b, ADDR_A, {
    srcPort: ib.remote.port,
    dstPort: PORT,
    flags: TCP_RST,
    seq: ib.rcvNxt,
  });
  assert.equal(cleanupReason(net.b, s), "reset");
  assert.equal(net.b.liveRx, 0);
});

Deno.test("tcp: commands for unknown connections are counted, not thrown", () => {
  const net = new TestNet();
  const l = net.a.layer;
  l.send(0, 999, [refOf(new Uint8Array(3))], 1);
  l.recvDone(999, 1);
  l.shutdown(0, 999);
  l.close(0, 999);
  l.accept(999);
  assert.equal(l.stats.unknownConnCommands, 5);
  assert.throws(() => l.listen(0, 1), RangeError);
  assert.throws(() => l.listen(80, 0), RangeError);
  l.listen(80, 1);
  assert.throws(() => l.listen(80, 1), /already listening/);
  assert.throws(() => new TcpLayer(net.a, { mss: 10 }, new Rng(1), 0), RangeError);
  assert.throws(() => new TcpLayer(net.a, { rcvBuf: 100 }, new Rng(1), 0), RangeError);
});

Deno.test("tcp: ephemeral port exhaustion reports cleanup 'aborted' after connect returns", () => {
  const net = new TestNet({ ephemeralPortMin: 40000, ephemeralPortMax: 40001 });
  net.b.layer.listen(PORT, 8);
  const ids = [0, 1, 2].map(() => net.a.connect(net.b, PORT));
  net.runFor(1 * MS);
  assert.equal(net.a.eventsOf("connected").length, 2);
  assert.equal(cleanupReason(net.a, ids[2]), "aborted");
  assert.equal(net.a.layer.stats.portExhausted, 1);
});

Deno.test("tcp: same seed, same ISNs and ports; different seeds differ", () => {
  const run = (seed: number) => {
    const net = new TestNet({}, {}, seed);
    const [c] = established(net);
    const i = net.a.layer.info(c)!;
    return [i.iss, i.irs, i.local.port];
  };
  assert.deepEqual(run(3), run(3));
  assert.notDeepEqual(run(3), run(4));
});

Deno.test("tcp: many connections through one listener, closed in a churn", () => {
  const net = new TestNet({ msl: 10 * MS });
  net.b.layer.listen(PORT, 64);
  const echo = (ev: SocketEvent) => {
    if (ev.kind === "new_data") net.b.send(ev.conn, net.b.bytes(ev.conn).slice(-ev.bytes));
    if (ev.kind === "remote_closed") net.b.close(ev.conn);
  };
  net.b.onEvent = echo;
  const ids: ConnId[] = [];
  for (let i = 0; i < 40; i++) ids.push(net.a.connect(net.b, PORT));
  net.a.onEvent = (ev) => {
    if (ev.kind === "connected") net.a.send(ev.conn, testBytes(1000, ev.conn));
    if (ev.kind === "new_data" && net.a.bytes(ev.conn).length === 1000) net.a.close(ev.conn);
  };
  net.runFor(2 * SEC);
  for (const id of ids) {
    assert.deepEqual(net.a.bytes(id), testBytes(1000, id));
    assert.equal(cleanupReason(net.a, id), "closed");
  }
  assert.equal(net.a.layer.connectionCount, 0);
  assert.equal(net.b.layer.connectionCount, 0);
  assert.equal(net.a.layer.nextDeadline(), Infinity);
  assert.equal(net.a.liveRx + net.b.liveRx, 0);
});

Deno.test("tcp: a layer with FREE_ACCOUNTING and no events works standalone", () => {
  const out: TcpRepr[] = [];
  const l = new TcpLayer(
    { acct: FREE_ACCOUNTING, event() {}, output: (_n, _s, _d, r) => void out.push({ ...r }) },
    {},
    new Rng(1),
    0,
  );
  l.connect(0, ADDR_A, { addr: ADDR_B, port: 80 });
  assert.equal(out.length, 1);
  assert.equal(l.nextDeadline(), 1 * SEC);
  l.poll(1 * SEC);
  assert.equal(out.length, 2);
  assert.equal(l.nextDeadline(), 3 * SEC);
});

Deno.test("tcp: connect with an explicit local port; a busy 4-tuple fails with 'aborted'", () => {
  const net = new TestNet();
  net.b.layer.listen(PORT, 8);
  const c1 = net.a.layer.connect(0, ADDR_A, { addr: ADDR_B, port: PORT }, 40123);
  const c2 = net.a.layer.connect(0, ADDR_A, { addr: ADDR_B, port: PORT }, 40123);
  net.a.kick();
  net.runFor(1 * MS);
  assert.equal(net.a.layer.info(c1)!.local.port, 40123);
  assert.equal(cleanupReason(net.a, c2), "aborted");
  assert.throws(() => net.a.layer.connect(0, ADDR_A, { addr: ADDR_B, port: PORT }, 0), RangeError);
});

Deno.test("tcp: a lost SYN-ACK is resent when the client retransmits its SYN", () => {
  const net = new TestNet();
  net.b.layer.listen(PORT, 4);
  let dropped = false;
  net.filter = (seg) => {
    if (!dropped && seg.repr.flags === (TCP_SYN | TCP_ACK)) {
      dropped = true;
      return "drop";
    }
    return "pass";
  };
  const c = net.a.connect(net.b, PORT);
  net.runFor(1500 * MS);
  assert.equal(net.b.layer.stats.synAckResent, 1);
  const connected = net.a.eventsOf("connected");
  assert.equal(connected.length, 1);
  assert.equal(net.a.layer.info(c)!.state, St.Established);
  // the client's SYN timer fired at 1 s; the answer came one round trip later
  const synAcks = net.sentBy(net.b, (x) => x.repr.flags === (TCP_SYN | TCP_ACK));
  assert.equal(synAcks[1].t, 1 * SEC + TEST_DELAY);
  // the SYN was retransmitted, so RFC 6298 (5.7) keeps the RTO at 3 s until a sample
  assert.equal(net.a.layer.info(c)!.rto, 3 * SEC);
});

Deno.test("tcp: timestamps negotiated when both sides enable them; MSS shrinks by 12", () => {
  const net = new TestNet({ timestamps: true });
  const [c, s] = established(net);
  const ia = net.a.layer.info(c)!;
  assert.ok(ia.tsOk && net.b.layer.info(s)!.tsOk);
  assert.equal(ia.sndMss, 1460 - 12);
  net.runFor(5 * MS);
  net.a.send(c, testBytes(5000, 30));
  net.runFor(100 * MS);
  assert.equal(net.b.bytes(s).length, 5000);
  for (const seg of net.log) assert.ok(seg.repr.tsVal !== null && seg.repr.tsVal !== undefined);
  // the echo carries the peer's latest clock value (1 ms ticks)
  const lastA = net.sentBy(net.a).pop()!, lastB = net.sentBy(net.b).pop()!;
  assert.equal(lastB.repr.tsEcr, net.sentBy(net.a, (x) => x.t < lastB.t).pop()!.repr.tsVal);
  assert.ok(lastA.repr.tsVal! >= 1);
  // one side without timestamps: not negotiated
  const net2 = new TestNet({ timestamps: true }, { timestamps: false });
  const [c2] = established(net2);
  assert.equal(net2.a.layer.info(c2)!.tsOk, false);
  assert.equal(net2.a.layer.info(c2)!.sndMss, 1460);
});

Deno.test("tcp: FIN_WAIT_2 of a closed connection times out", () => {
  const net = new TestNet({ finWait2Timeout: 2 * SEC });
  const [c, s] = established(net);
  net.a.close(c); // b never closes its side
  net.runFor(10 * MS);
  assert.equal(net.a.layer.info(c)!.state, St.FinWait2);
  assert.equal(net.b.layer.info(s)!.state, St.CloseWait);
  net.runFor(2 * SEC);
  assert.equal(cleanupReason(net.a, c), "closed");
  // half-close (shutdown) keeps FIN_WAIT_2 open and still receives data
  const net2 = new TestNet({ finWait2Timeout: 2 * SEC });
  const [c2, s2] = established(net2);
  net2.a.shutdown(c2);
  net2.runFor(5 * SEC);
  assert.equal(net2.a.layer.info(c2)!.state, St.FinWait2);
  net2.b.send(s2, testBytes(3000, 31));
  net2.runFor(100 * MS);
  assert.deepEqual(net2.a.bytes(c2), testBytes(3000, 31));
});

Deno.test("tcp: work is charged to the accounting categories", () => {
  const net = new TestNet({}, {}, 9);
  const [c, s] = established(net);
  net.loss = 0.05;
  net.a.send(c, testBytes(200_000, 32));
  net.runFor(30 * SEC);
  assert.equal(net.b.bytes(s).length, 200_000);
  const a = net.a.acct, b = net.b.acct;
  assert.equal(a.get("tcp_tx"), net.a.layer.stats.segmentsOut);
  assert.equal(b.get("tcp_rx"), net.b.layer.stats.segmentsIn);
  assert.equal(b.get("flow_lookup"), net.b.layer.stats.segmentsIn);
  assert.ok(a.get("tcp_timer") > 0);
  assert.ok(b.get("reassembly") > 0);
  assert.equal(a.get("tcp_conn"), 1);
  net.b.onEvent = (ev) => {
    if (ev.kind === "remote_closed") net.b.close(s);
  };
  net.a.close(c);
  net.runFor(5 * SEC);
  assert.equal(b.get("tcp_conn"), 2); // set up and torn down
});

Deno.test("tcp: in-memory pair moves data without copying single-ref segments", () => {
  const pair = new MemPair({ rcvBuf: 1 << 20 });
  const [ca, cb] = pair.open(80);
  assert.ok(ca > 0 && cb > 0);
  const chunks = [0, 1, 2, 3].map((i) => testBytes(1460, 40 + i));
  const seen: Uint8Array[] = [];
  pair.b.onEvent = (ev, end) => {
    if (ev.kind === "new_data") {
      for (const r of ev.refs) seen.push(r.mem.read(r.off, r.len));
      end.layer.recvDone(ev.conn, ev.rxId);
    }
  };
  let acked = 0;
  pair.a.onEvent = (ev) => {
    if (ev.kind === "data_acked") acked++;
  };
  for (let i = 0; i < 4; i++) pair.a.layer.send(pair.now, ca, [refOf(chunks[i])], i);
  pair.pump();
  pair.advance(100 * MS);
  assert.equal(acked, 4);
  assert.equal(seen.length, 4);
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(seen[i], chunks[i]);
    assert.equal(seen[i].buffer, chunks[i].buffer); // the sender's own memory: zero copy
  }
  assert.equal(pair.b.liveRx, 0);
});

Deno.test("tcp: after a go-back-N RTO, pure ACKs carry SND.MAX (no ACK deadlock)", () => {
  const net = new TestNet({ quickAckSegments: 100 });
  const [c, s] = established(net);
  let dropB = true;
  net.filter = (seg) => (seg.from === net.b && dropB ? "drop" : "pass");
  net.a.send(c, testBytes(14_600, 50)); // ten segments, all ACKs lost
  net.runFor(250 * MS); // one RTO: a goes back to SND.UNA and resends one segment
  const ia = net.a.layer.info(c)!;
  assert.equal(net.a.layer.stats.rtos, 1);
  assert.ok(seqDiff(ia.sndNxt, ia.sndUna) < 14_600);
  dropB = false;
  const before = net.log.length;
  net.b.send(s, testBytes(100, 51)); // b's data makes a send a pure ACK
  net.runFor(1 * MS);
  const pureAcks = net.log.slice(before).filter((x) => x.from === net.a && x.data.length === 0);
  assert.ok(pureAcks.length >= 1);
  assert.equal(pureAcks[0].repr.seq, seqAdd(ia.sndUna, 14_600));
  net.runFor(1 * SEC);
  assert.deepEqual(net.b.bytes(s), testBytes(14_600, 50));
  assert.deepEqual(net.a.bytes(c), testBytes(100, 51));
});

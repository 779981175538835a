/**
 * Closing under every order of ACK and FIN: each send's data_acked arrives
 * before cleanup; TIME_WAIT outlasts the peer's FIN retransmissions.
 */
import assert from "node:assert/strict";
import type { ConnId, SocketEvent } from "../events.ts";
import { TCP_ACK, TCP_FIN, TCP_RST } from "../wire/tcp.ts";
import { MS, SEC } from "../../core/time.ts";
import { DEFAULT_TCP_CONFIG, finRetransmitSpan, type TcpConfig } from "./config.ts";
import { St } from "./conn.ts";
import { testBytes, type TestHost, TestNet, type WireSeg } from "./testing.ts";

const PORT = 80;
const TOKEN = 21;

function established(net: TestNet): [ConnId, ConnId] {
  net.b.layer.listen(PORT, 16);
  const c = net.a.connect(net.b, PORT);
  net.runFor(1 * MS);
  const nc = net.b.eventsOf("new_conn");
  assert.equal(nc.length, 1);
  return [c, nc[0].conn];
}

/** Index of the first event of `kind` on `conn` (with `token` for data_acked), or -1. */
function indexOf(h: TestHost, conn: ConnId, kind: SocketEvent["kind"], token?: number): number {
  return h.events.findIndex((e) =>
    e.kind === kind && e.conn === conn && (e.kind !== "data_acked" || e.token === token)
  );
}

function assertAckedThenClosed(h: TestHost, conn: ConnId): void {
  const acked = indexOf(h, conn, "data_acked", TOKEN);
  const cleanup = indexOf(h, conn, "cleanup");
  assert.ok(acked >= 0, "data_acked delivered");
  assert.ok(cleanup > acked, "cleanup after data_acked");
  const ev = h.events[cleanup];
  assert.equal(ev.kind === "cleanup" && ev.reason, "closed");
  assert.equal(h.eventsOf("data_acked").filter((e) => e.conn === conn).length, 1);
}

const isData = (s: WireSeg) => s.data.length > 0;
const isFin = (s: WireSeg) => (s.repr.flags & TCP_FIN) !== 0;

/** A shuts down first (FIN_WAIT_2); B sends 100 bytes with TOKEN and closes; `drop` may lose segments. */
function passiveCloseRun(
  name: string,
  gapBeforeClose: number,
  drop: (s: WireSeg, net: TestNet) => boolean,
  cfgA: Partial<TcpConfig> = {},
): void {
  Deno.test(`tcp close: passive closer gets data_acked before cleanup (${name})`, () => {
    // Default MSL: TIME_WAIT outlasts B's retransmissions.
    const net = new TestNet(cfgA, {});
    const [c, s] = established(net);
    net.filter = (seg) => drop(seg, net) ? "drop" : "pass";
    net.a.shutdown(c);
    net.runFor(1 * MS);
    assert.equal(net.a.layer.info(c)!.state, St.FinWait2);
    net.b.send(s, testBytes(100, 3), TOKEN);
    if (gapBeforeClose > 0) net.runFor(gapBeforeClose);
    net.b.close(s);
    net.runFor(2 * DEFAULT_TCP_CONFIG.msl + 5 * SEC);
    assertAckedThenClosed(net.b, s);
    assert.equal(net.a.bytes(c).length, 100);
    assert.equal(net.a.layer.connectionCount + net.b.layer.connectionCount, 0);
  });
}

/** A delays its ACK of the data (no quick-ACK), so its ACK of the FIN covers both. */
const DELAYED_ACK_A: Partial<TcpConfig> = { quickAckSegments: 0 };
const isPureAckFrom = (h: TestHost) => (s: WireSeg) => s.from === h && s.data.length === 0;

// Data acknowledged by its own ACK, FIN later.
passiveCloseRun("ACK then FIN", 1 * MS, () => false);
// Data, then FIN within A's delayed-ACK time: one ACK covers both.
passiveCloseRun("combined", 0, () => false, DELAYED_ACK_A);
// Data ACKed alone, but that ACK is lost: the ACK of the FIN covers both.
{
  let dropped = 0;
  passiveCloseRun("data ACK lost", 1 * MS, (seg, net) => {
    const data = net.sentBy(net.b, isData)[0];
    if (data === undefined || !isPureAckFrom(net.a)(seg) || dropped > 0) return false;
    return seg.repr.ack === ((data.repr.seq + data.data.length) >>> 0) && ++dropped === 1;
  });
}
// The data segment is lost, the FIN arrives first (out of order), the RTO resends both.
{
  let dropped = 0;
  passiveCloseRun("FIN first", 1 * MS, (seg, net) => {
    if (seg.from === net.b && isData(seg) && dropped === 0) return ++dropped === 1;
    return false;
  });
}
// Combined, and A's ACK of data+FIN is lost twice: B retransmits, A re-ACKs from TIME_WAIT.
{
  let dropped = 0;
  passiveCloseRun("combined, final ACK lost twice", 0, (seg, net) => {
    if (isPureAckFrom(net.a)(seg) && isFinAckOf(net, seg) && dropped < 2) {
      return ++dropped > 0;
    }
    return false;
  }, DELAYED_ACK_A);
}

Deno.test("tcp close: simultaneous close (FIN crossing) still reports data_acked", () => {
  const net = new TestNet({ msl: 100 * MS });
  const [c, s] = established(net);
  net.a.shutdown(c);
  net.b.send(s, testBytes(100, 3), TOKEN);
  net.b.close(s);
  net.runFor(5 * SEC);
  assertAckedThenClosed(net.b, s);
});

Deno.test("tcp close: active closer's data_acked precedes cleanup after TIME_WAIT", () => {
  const net = new TestNet({ msl: 100 * MS });
  const [c, s] = established(net);
  net.b.onEvent = (ev) => {
    if (ev.kind === "remote_closed") net.b.close(s);
  };
  net.a.send(c, testBytes(100, 4), TOKEN);
  net.a.close(c);
  net.runFor(5 * SEC);
  assertAckedThenClosed(net.a, c);
});

// ---------------------------------------------------------------- TIME_WAIT

Deno.test("tcp close: the default 2*MSL exceeds the peer's worst-case FIN retransmission span", () => {
  const span = finRetransmitSpan(DEFAULT_TCP_CONFIG);
  // maxRetries retransmissions, each at most maxRto after the one before.
  assert.equal(span, DEFAULT_TCP_CONFIG.maxRetries * DEFAULT_TCP_CONFIG.maxRto);
  assert.ok(2 * DEFAULT_TCP_CONFIG.msl > span);
  // And at least the RFC 9293 (3.4.2) MSL of 2 minutes.
  assert.ok(DEFAULT_TCP_CONFIG.msl >= 120 * SEC);
});

/**
 * A shuts down; B closes on remote_closed. A's ACK of B's FIN and B's first
 * `lostRtx` retransmissions are lost. Returns what B saw.
 */
function lostFinAckRun(cfg: Partial<TcpConfig>, lostRtx: number) {
  const net = new TestNet(cfg);
  const [c, s] = established(net);
  net.b.onEvent = (ev) => {
    if (ev.kind === "remote_closed") net.b.close(s);
  };
  let tCleanupA = -1;
  net.a.onEvent = (ev) => {
    if (ev.kind === "cleanup") tCleanupA = net.sched.now;
  };
  let finsFromB = 0, acksLost = 0;
  net.filter = (seg) => {
    if (seg.from === net.b && isFin(seg) && ++finsFromB <= 1 + lostRtx && finsFromB > 1) {
      return "drop"; // retransmissions 1..lostRtx
    }
    if (seg.from === net.a && isFinAckOf(net, seg) && acksLost === 0) {
      acksLost++;
      return "drop"; // the first ACK of B's FIN
    }
    return "pass";
  };
  net.a.shutdown(c);
  net.runFor(20 * 60 * SEC);
  return { net, c, s, finsFromB, tCleanupA };
}

function isFinAckOf(net: TestNet, seg: WireSeg): boolean {
  const fin = net.sentBy(net.b, isFin)[0];
  return fin !== undefined && (seg.repr.flags & TCP_ACK) !== 0 &&
    seg.repr.ack === ((fin.repr.seq + 1) >>> 0);
}

Deno.test("tcp close: TIME_WAIT ACKs a late FIN retransmission (default MSL), no RST", () => {
  const { net, s, c, finsFromB } = lostFinAckRun({}, 2);
  assert.equal(finsFromB, 4);
  assert.equal(net.sentBy(net.a, (x) => (x.repr.flags & TCP_RST) !== 0).length, 0);
  const ev = net.b.events.find((e) => e.kind === "cleanup" && e.conn === s);
  assert.equal(ev?.kind === "cleanup" && ev.reason, "closed");
  assert.equal(net.a.layer.info(c), undefined); // A left TIME_WAIT in the end
});

Deno.test("tcp close: with every retransmission but the last lost, default TIME_WAIT still ACKs", () => {
  const maxRetries = DEFAULT_TCP_CONFIG.maxRetries;
  const { net, s } = lostFinAckRun({}, maxRetries - 1);
  assert.equal(net.sentBy(net.a, (x) => (x.repr.flags & TCP_RST) !== 0).length, 0);
  const ev = net.b.events.find((e) => e.kind === "cleanup" && e.conn === s);
  assert.equal(ev?.kind === "cleanup" && ev.reason, "closed");
});

Deno.test("tcp close: an explicitly short MSL resets the late retransmitting peer (why the default is long)", () => {
  const { net, s } = lostFinAckRun({ msl: 500 * MS }, 2);
  assert.equal(net.sentBy(net.a, (x) => (x.repr.flags & TCP_RST) !== 0).length, 1);
  const ev = net.b.events.find((e) => e.kind === "cleanup" && e.conn === s);
  assert.equal(ev?.kind === "cleanup" && ev.reason, "reset");
});

Deno.test("tcp close: a retransmitted FIN in TIME_WAIT is ACKed and restarts the timer", () => {
  const msl = 2 * SEC;
  const { net, tCleanupA } = lostFinAckRun({ msl }, 0);
  // B's FIN: the first copy's ACK is lost, the retransmission is ACKed again.
  const fins = net.sentBy(net.b, isFin);
  assert.equal(fins.length, 2);
  const acksOfFin = net.sentBy(net.a, (x) => isFinAckOf(net, x));
  assert.equal(acksOfFin.length, 2);
  // TIME_WAIT ends 2*MSL after the retransmission arrived, not after the first FIN.
  assert.equal(tCleanupA, acksOfFin[1].t + 2 * msl);
});

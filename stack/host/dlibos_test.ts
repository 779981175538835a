/**
 * DLibOS hosting mode: the socket layer as NoC messages, zero-touch send,
 * data_acked semantics, fault containment and timers on network cores.
 */
import assert from "node:assert/strict";
import { US } from "../../core/time.ts";
import { ProtectionFault } from "../../hw/memory.ts";
import { NIC_DOMAIN } from "../../hw/mpipe.ts";
import type { SocketCommandKind, SocketEventKind } from "../events.ts";
import { DlibosNode } from "./dlibos.ts";
import {
  CORRUPT_MARK,
  delayedAckScenario,
  ExchangeClient,
  exchangePair,
  ExchangeServer,
  faultScenario,
  pattern,
  seqGe,
  TCP_FLAG_ACK,
} from "./testing.ts";

function dlibos(n: unknown): DlibosNode {
  assert.ok(n instanceof DlibosNode);
  return n;
}

Deno.test("dlibos: every socket event and command crosses the NoC socket layer", () => {
  const msg = pattern(3000, 1);
  const { pair, client, server } = exchangePair("dlibos", [msg]);
  pair.run(() => client.done && server.eventKinds.has("cleanup"));

  const serverEvents: SocketEventKind[] = [
    "new_conn",
    "new_data",
    "data_acked",
    "remote_closed",
    "cleanup",
  ];
  const clientEvents: SocketEventKind[] = [
    "connected",
    "new_data",
    "data_acked",
    "remote_closed",
    "cleanup",
  ];
  assert.deepEqual([...server.eventKinds].sort(), [...serverEvents].sort());
  assert.deepEqual([...client.eventKinds].sort(), [...clientEvents].sort());
  const serverCmds: SocketCommandKind[] = [
    "listen",
    "accept",
    "recv_done",
    "send",
    "shutdown",
    "close",
  ];
  const clientCmds: SocketCommandKind[] = ["connect", "recv_done", "send", "shutdown", "close"];
  assert.deepEqual([...server.commandKinds].sort(), [...serverCmds].sort());
  assert.deepEqual([...client.commandKinds].sort(), [...clientCmds].sort());
  // Together the two ends used the whole vocabulary.
  assert.equal(new Set([...server.eventKinds, ...client.eventKinds]).size, 6);
  assert.equal(new Set([...server.commandKinds, ...client.commandKinds]).size, 7);

  // Data intact in both directions.
  assert.deepEqual(server.requests, [msg]);
  assert.deepEqual(client.echoes, [msg]);

  // Every event and command travelled as a message; none was orphaned.
  for (const [node, app] of [[pair.client, client], [pair.server, server]] as const) {
    const c = dlibos(node).counters;
    assert.equal(c.eventsSent, app.events.length, `${node.name} events`);
    assert.ok(c.commandsSent >= app.commandKinds.size, `${node.name} commands`);
    assert.equal(c.eventsOrphaned, 0);
    assert.equal(c.appFaults, 0);
    // Network cores did messaging work and application cores did too.
    const netMsg = node.netCores.reduce((s, core) => s + core.timeIn("messaging"), 0);
    const appMsg = node.appCores.reduce((s, core) => s + core.timeIn("messaging"), 0);
    assert.ok(netMsg > 0 && appMsg > 0, `${node.name} messaging on both kinds of core`);
    // Stack work stays on network cores.
    for (const core of node.appCores) assert.equal(core.timeIn("tcp-rx"), 0);
  }
  // Events are seen in a sensible order on each end.
  const order = (app: ExchangeClient | ExchangeServer, kinds: SocketEventKind[]) =>
    kinds.map((k) => app.events.findIndex((e) => e.ev.kind === k));
  const [conn, data, closed, cleanup] = order(server, [
    "new_conn",
    "new_data",
    "remote_closed",
    "cleanup",
  ]);
  assert.ok(conn < data && data < closed && closed < cleanup);
  const [cconn, cdata, cclosed, ccleanup] = order(client, [
    "connected",
    "new_data",
    "remote_closed",
    "cleanup",
  ]);
  assert.ok(cconn < cdata && cdata < cclosed && cclosed < ccleanup);
});

Deno.test("dlibos: zero-touch send: only the NIC reads the app's transmit bytes, at DMA time", () => {
  const msg = pattern(5000, 2);
  const { pair, client, server } = exchangePair("dlibos", [msg]);
  const cnode = dlibos(pair.client);
  // At the moment the app issues send, nothing has read its bytes yet.
  let nicReadsAtSend = -1;
  // Sample the NIC's read counter whenever a client data segment reaches the wire.
  const nicReadAtFrame: { payload: number; nicReadBytes: number }[] = [];
  const deliver = pair.link.b.onFrame!;
  pair.link.b.onFrame = (t, frame) => {
    deliver(t, frame);
    const f = pair.frames[pair.frames.length - 1];
    if (f.tcp !== null && f.tcp.payloadLen > 0) {
      nicReadAtFrame.push({
        payload: f.tcp.payloadLen,
        nicReadBytes: cnode.txRegion.counters(NIC_DOMAIN).readBytes,
      });
    }
  };
  pair.run(() => {
    if (nicReadsAtSend < 0 && client.commandKinds.has("send")) {
      nicReadsAtSend = cnode.txRegion.counters(NIC_DOMAIN).reads;
    }
    return client.done && server.eventKinds.has("cleanup");
  });
  assert.equal(nicReadsAtSend, 0);
  assert.deepEqual(client.echoes, [msg]);

  for (const node of [pair.client, pair.server]) {
    const n = dlibos(node);
    for (let i = 0; i < n.stacks.length; i++) {
      const c = n.txRegion.counters(`stack:${i}`);
      assert.equal(c.reads, 0, `${n.name} stack:${i} read the app's transmit memory`);
      assert.equal(c.writes, 0);
    }
    // The NIC read each payload byte exactly once (no retransmissions on a clean link).
    assert.equal(n.txRegion.counters(NIC_DOMAIN).readBytes, msg.length, `${n.name} NIC reads`);
    assert.equal(n.txRegion.counters(NIC_DOMAIN).writes, 0);
    // The app wrote its message once and never read it back.
    assert.equal(n.txRegion.counters("app").writes, 1);
    assert.equal(n.txRegion.counters("app").reads, 0);
  }
  // Each segment's bytes were read by the NIC by the time it arrived (gathered at egress DMA).
  let cum = 0;
  for (const s of nicReadAtFrame) {
    cum += s.payload;
    assert.ok(s.nicReadBytes >= cum);
  }
  assert.equal(cum, msg.length);
  // The app's bytes are unchanged.
  assert.deepEqual(cnode.txRegion.backing.slice(0, msg.length), msg);
  const snode = dlibos(pair.server);
  assert.deepEqual(snode.txRegion.backing.slice(0, msg.length), msg);
});

Deno.test("dlibos: data_acked is reported only after the peer's ACK has arrived", () => {
  // Three segments, quick-ACK off: the peer ACKs the first two at once and
  // delays the ACK of the last one by the delayed-ACK timeout.
  const delack = 200 * US;
  const o = delayedAckScenario("dlibos", 0, delack, 4000);
  assert.equal(o.data.length, 3);
  // The ACK of the last byte came a delayed-ACK timeout after the data...
  assert.ok(o.ackArrival >= o.dataArrival + delack);
  // ...and data_acked followed it, never preceded it.
  assert.ok(o.dataAckedAt >= o.ackArrival, `${o.dataAckedAt} < ${o.ackArrival}`);
  assert.ok(o.dataAckedAt >= o.client.sentAt[0] + delack);
  // A partial ACK did not produce data_acked.
  const acks = o.pair.tcpFrom("server").filter((f) => (f.tcp.flags & TCP_FLAG_ACK) !== 0);
  const partial = acks.filter((f) => !seqGe(f.tcp.ack, o.dataEnd) && f.t > o.data[0].t);
  assert.ok(partial.length >= 1);
  assert.equal(o.client.events.filter((e) => e.ev.kind === "data_acked").length, 1);
});

Deno.test("dlibos: an app writing into a receive buffer faults, contained; other connections go on", () => {
  const o = faultScenario("dlibos");
  const server = dlibos(o.pair.server);
  assert.equal(o.attempts, 1);
  assert.equal(o.writes.length, 0, "the write must not complete");
  assert.equal(server.counters.appFaults, 1);
  const fault = server.lastFault;
  assert.ok(fault instanceof ProtectionFault);
  assert.equal(fault.access, "write");
  assert.equal(fault.region, "rx-buffers");
  assert.equal(fault.domain, "app");
  assert.equal(fault.reason, "permission");
  const rx = server.rxRegion.counters("app");
  assert.equal(rx.writes, 0);
  assert.equal(rx.faults, 1);
  // The faulting connection got no reply; the second connection completed its exchange.
  assert.equal(o.client.echoes[0], undefined);
  assert.deepEqual(o.client.echoes[1], o.messages[1]);
  assert.deepEqual(o.server.requests, [o.messages[1]]);
  // The received bytes were not modified.
  assert.ok(!o.server.requests.some((r) => r[0] !== CORRUPT_MARK + 1));
  assert.equal(server.counters.eventsOrphaned, 0);
});

Deno.test("dlibos: stack timers fire on time while the application core is saturated", () => {
  const delack = 50 * US;
  const busy = 1_200_000; // 1 ms at 1.2 GHz
  const idle = delayedAckScenario("dlibos", 0, delack);
  const loaded = delayedAckScenario("dlibos", busy, delack);
  // The app core really was busy for the whole millisecond...
  assert.ok(loaded.serverAppBusy >= 1000 * US);
  // ...yet the delayed ACK left on time: at the deadline plus a few us of
  // NIC, stack and wire time, exactly as when the app core is idle.
  assert.ok(loaded.ackDelay >= delack);
  assert.ok(loaded.ackDelay <= delack + 5 * US, `ack after ${loaded.ackDelay / US} us`);
  assert.equal(loaded.ackDelay, idle.ackDelay);
  // The network cores never did application work.
  for (const core of loaded.pair.server.netCores) assert.equal(core.timeIn("app"), 0);
});

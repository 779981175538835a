/**
 * Run-to-completion hosting mode: the same socket layer as direct calls, no
 * isolation, and timers served only between application work.
 */
import assert from "node:assert/strict";
import { US } from "../../core/time.ts";
import { NIC_DOMAIN } from "../../hw/mpipe.ts";
import { RTC_DOMAIN, RtcNode } from "./rtc.ts";
import {
  CORRUPT_MARK,
  CORRUPT_VALUE,
  delayedAckScenario,
  exchangePair,
  faultScenario,
  pattern,
} from "./testing.ts";

Deno.test("rtc: every socket event and command works as direct calls", () => {
  const msgs = [pattern(3000, 1), pattern(700, 2)];
  const { pair, client, server } = exchangePair("rtc", msgs);
  pair.run(() => client.done && server.events.filter((e) => e.ev.kind === "cleanup").length === 2);
  assert.ok(pair.client instanceof RtcNode && pair.server instanceof RtcNode);
  assert.deepEqual(
    [...server.eventKinds].sort(),
    ["cleanup", "data_acked", "new_conn", "new_data", "remote_closed"],
  );
  assert.deepEqual(
    [...client.eventKinds].sort(),
    ["cleanup", "connected", "data_acked", "new_data", "remote_closed"],
  );
  assert.deepEqual(
    [...server.commandKinds].sort(),
    ["accept", "close", "listen", "recv_done", "send", "shutdown"],
  );
  assert.deepEqual(
    [...client.commandKinds].sort(),
    ["close", "connect", "recv_done", "send", "shutdown"],
  );
  assert.deepEqual(client.echoes, msgs);
  // Every core runs both the stack and the application: no messaging cost.
  for (const node of [pair.client, pair.server]) {
    assert.deepEqual(node.appCores, node.netCores);
    for (const core of node.netCores) assert.equal(core.timeIn("messaging"), 0);
  }
  // Each connection's events go to the core whose stack holds it.
  for (const [node, app] of [[pair.client, client], [pair.server, server]] as const) {
    for (const e of app.events) assert.equal(e.core, node.netCores[e.stack]);
  }
});

Deno.test("rtc: zero-copy send through one shared protection domain", () => {
  const msg = pattern(5000, 4);
  const { pair, client, server } = exchangePair("rtc", [msg]);
  pair.run(() => client.done && server.eventKinds.has("cleanup"));
  assert.deepEqual(client.echoes, [msg]);
  // Only the NIC reads the payload; the app's domain wrote it once.
  assert.equal(pair.client.txRegion.counters(NIC_DOMAIN).readBytes, msg.length);
  assert.equal(pair.client.txRegion.counters(RTC_DOMAIN).reads, 0);
  assert.equal(pair.client.txRegion.counters(RTC_DOMAIN).writes, 1);
});

Deno.test("rtc: an app writing into a receive buffer succeeds (no isolation)", () => {
  const o = faultScenario("rtc");
  assert.equal(o.attempts, 1);
  assert.deepEqual(o.writes, [{ before: CORRUPT_MARK, after: CORRUPT_VALUE }]);
  assert.equal(o.pair.server.rxRegion.counters(RTC_DOMAIN).writes, 1);
  assert.equal(o.pair.server.rxRegion.counters(RTC_DOMAIN).faults, 0);
  // The corruption is visible: the server read and echoed the modified bytes.
  const corrupted = o.messages[0].slice();
  corrupted[0] = CORRUPT_VALUE;
  assert.deepEqual(o.server.requests[0], corrupted);
  assert.deepEqual(o.client.echoes[0], corrupted);
  assert.deepEqual(o.client.echoes[1], o.messages[1]);
});

Deno.test("rtc: data_acked is reported only after the peer's ACK has arrived", () => {
  const delack = 200 * US;
  const o = delayedAckScenario("rtc", 0, delack, 4000);
  assert.ok(o.ackArrival >= o.dataArrival + delack);
  assert.ok(o.dataAckedAt >= o.ackArrival);
});

Deno.test("rtc: stack timers are served late by the application's busy time", () => {
  const delack = 50 * US;
  const busyUs = 1000;
  const busy = busyUs * 1_200; // cycles at 1.2 GHz
  const idle = delayedAckScenario("rtc", 0, delack);
  const loaded = delayedAckScenario("rtc", busy, delack);
  // With an idle core the delayed ACK is on time...
  assert.ok(idle.ackDelay >= delack && idle.ackDelay <= delack + 5 * US);
  // ...but behind a millisecond of application work on the same core it waits
  // for the work to finish: late by about the busy time minus the timeout.
  assert.ok(loaded.ackDelay >= busyUs * US, `ack after ${loaded.ackDelay / US} us`);
  assert.ok(loaded.ackDelay <= busyUs * US + 10 * US);
  const lateness = loaded.ackDelay - idle.ackDelay;
  assert.ok(lateness >= busyUs * US - delack);
  // The application work ran on the core that also runs the stack.
  const core = loaded.pair.server.netCores.find((c) => c.timeIn("app") > 0)!;
  assert.ok(core.timeIn("tcp-rx") > 0);
});

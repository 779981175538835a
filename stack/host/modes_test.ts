/**
 * Across hosting modes: timer service under application load and core layouts
 * (placement, pairing, parsing). Determinism of whole experiments is tested in
 * bench/netpipe_experiment_test.ts.
 */
import assert from "node:assert/strict";
import { US } from "../../core/time.ts";
import { GX36, GX72, makeBoard } from "../../hw/board.ts";
import { DlibosNode } from "./dlibos.ts";
import { LAYOUT_PRESETS, parseLayout, placeLayout } from "./layout.ts";
import { RtcNode } from "./rtc.ts";
import {
  delayedAckScenario,
  ExchangeClient,
  exchangePair,
  ExchangeServer,
  pattern,
  type TestMode,
  TestPair,
} from "./testing.ts";

Deno.test("modes: a saturated app core delays TCP timers in RTC but not in DLibOS", () => {
  const delack = 50 * US;
  const busyUs = 2000;
  const busy = busyUs * 1_200; // cycles at 1.2 GHz (Gx36)
  const late: Record<TestMode, number> = { dlibos: 0, rtc: 0 };
  for (const mode of ["dlibos", "rtc"] as const) {
    const idle = delayedAckScenario(mode, 0, delack);
    const loaded = delayedAckScenario(mode, busy, delack);
    assert.ok(loaded.serverAppBusy >= busyUs * US, mode);
    late[mode] = loaded.ackDelay - idle.ackDelay;
  }
  // DLibOS: the network core serves the timer at its deadline regardless.
  assert.equal(late.dlibos, 0);
  // RTC: the timer waits behind the application work (about the busy time).
  assert.ok(late.rtc >= busyUs * US - delack - 5 * US, `rtc late by ${late.rtc / US} us`);
  assert.ok(late.rtc <= busyUs * US, `rtc late by ${late.rtc / US} us`);
});

Deno.test("layouts: d12-all places 12 network and 24 application cores on a Gx36", () => {
  const board = makeBoard(GX36);
  const layout = parseLayout("d12-all");
  assert.equal(layout, LAYOUT_PRESETS["d12-all"]);
  const p = placeLayout(board, layout);
  assert.equal(p.netTiles.length, 12);
  assert.equal(p.appTiles.length, 24);
  const all = new Set([...p.netTiles, ...p.appTiles]);
  assert.equal(all.size, 36, "network and application tiles are disjoint and cover the chip");
  for (const t of all) assert.ok(Number.isInteger(t) && t >= 0 && t < 36);
  // All-to-all: every network core may hand connections to every application core.
  const every = Array.from({ length: 24 }, (_, i) => i);
  assert.equal(p.servedBy.length, 12);
  for (const s of p.servedBy) assert.deepEqual([...s], every);
  // Network cores are spread out: every quadrant has some.
  const quads = new Set(p.netTiles.map((t) => board.quadrant(t)));
  assert.equal(quads.size, 4);
  // Deterministic.
  assert.deepEqual(placeLayout(board, layout), p);
});

Deno.test("layouts: d12-q pairs each network core only with app cores of its quadrant", () => {
  const board = makeBoard(GX36);
  const p = placeLayout(board, parseLayout("d12-q"));
  assert.equal(p.netTiles.length, 12);
  assert.equal(p.appTiles.length, 24);
  assert.equal(new Set([...p.netTiles, ...p.appTiles]).size, 36);
  const perQuadrant = [0, 0, 0, 0];
  for (let i = 0; i < p.netTiles.length; i++) {
    const q = board.quadrant(p.netTiles[i]);
    perQuadrant[q]++;
    assert.ok(p.servedBy[i].length > 0);
    for (const a of p.servedBy[i]) {
      assert.equal(
        board.quadrant(p.appTiles[a]),
        q,
        `net ${i} serves app ${a} of another quadrant`,
      );
    }
    // ...and with all of them.
    const mine = p.appTiles.flatMap((t, a) => (board.quadrant(t) === q ? [a] : []));
    assert.deepEqual([...p.servedBy[i]], mine);
  }
  assert.deepEqual(perQuadrant, [3, 3, 3, 3]);
  // Every application core is served by some network core.
  assert.equal(new Set(p.servedBy.flat()).size, 24);
});

Deno.test("layouts: d12-q connections are handed only to app cores of the network core's quadrant", () => {
  const n = 24;
  const msgs = Array.from({ length: n }, (_, i) => pattern(64, i));
  const { pair, client, server } = exchangePair("dlibos", msgs, {
    serverLayout: parseLayout("d12-q"),
  });
  pair.run(() => client.done);
  const node = pair.server;
  assert.ok(node instanceof DlibosNode);
  assert.equal(client.echoes.length, n);
  const used = new Set<number>();
  const stacks = new Set<number>();
  for (const e of server.events) {
    const app = node.appCores.indexOf(e.core!);
    assert.ok(app >= 0, "events are handled on application cores");
    assert.ok(node.placement.servedBy[e.stack].includes(app), `stack ${e.stack} -> app ${app}`);
    used.add(app);
    stacks.add(e.stack);
  }
  assert.ok(stacks.size > 1, "flows spread over several network cores");
  assert.ok(used.size > 1, "connections spread over several application cores");
});

Deno.test("layouts: cores per mode (RTC runs the stack on all 36, DLibOS on 12 of them)", () => {
  const pair = (mode: TestMode) =>
    new TestPair({
      mode,
      layout: parseLayout("d12-all"),
      client: (tx) => new ExchangeClient(tx, []),
      server: (tx) => new ExchangeServer(tx, () => 1),
    });
  const d = pair("dlibos").server;
  assert.ok(d instanceof DlibosNode);
  assert.equal(d.netCores.length, 12);
  assert.equal(d.appCores.length, 24);
  assert.equal(d.stacks.length, 12);
  const r = pair("rtc").server;
  assert.ok(r instanceof RtcNode);
  assert.equal(r.netCores.length, 36);
  assert.equal(r.appCores.length, 36);
  assert.equal(r.stacks.length, 36);
});

Deno.test("layouts: N:M parsing and errors", () => {
  assert.deepEqual(parseLayout("4:8"), { name: "4:8", net: 4, app: 8, policy: "all" });
  assert.deepEqual(parseLayout("4:8-q"), { name: "4:8-q", net: 4, app: 8, policy: "quadrant" });
  assert.deepEqual(parseLayout("12:24"), {
    name: "12:24",
    net: 12,
    app: 24,
    policy: "all",
  });
  for (const bad of ["", "4", "4:", ":8", "a:b", "4:8:2", "-1:8", "4:8q", "d12", " 4:8"]) {
    assert.throws(() => parseLayout(bad), (e: Error) => {
      assert.ok(e.message.includes(`"${bad}"`), e.message);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
  for (const bad of ["0:8", "4:0"]) {
    assert.throws(() => parseLayout(bad), /at least one core/);
  }
  // Too many cores for the board.
  assert.throws(() => placeLayout(makeBoard(GX36), parseLayout("30:7")), /needs 37 cores/);
  // A layout that fits a Gx72 but not a Gx36.
  const big = parseLayout("24:48");
  assert.equal(placeLayout(makeBoard(GX72), big).appTiles.length, 48);
  assert.throws(() => placeLayout(makeBoard(GX36), big), /Gx36|gx36|36/);
});

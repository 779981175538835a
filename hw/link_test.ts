import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { Scheduler } from "../core/scheduler.ts";
import { NS, type Time, US } from "../core/time.ts";
import { FaultInjector } from "./fault.ts";
import { EthernetLink, wireBytes, wireTime } from "./link.ts";

Deno.test("link: wire time of 64- and 1518-byte frames is exact", () => {
  // 60 bytes + FCS = 64-byte frame: 84 wire bytes = 67.2 ns.
  assert.equal(wireBytes(60), 84);
  assert.equal(wireTime(60), 67_200);
  // Shorter frames are padded to the minimum.
  assert.equal(wireTime(42), 67_200);
  // 1514 bytes + FCS = 1518-byte frame: 1538 wire bytes = 1230.4 ns.
  assert.equal(wireBytes(1514), 1538);
  assert.equal(wireTime(1514), 1_230_400);
  assert.equal(wireTime(1514, 1_000_000_000), 12_304_000);
});

Deno.test("link: frames serialize back to back and arrive after propagation", () => {
  const sched = new Scheduler();
  const link = new EthernetLink(sched, { propagation: 25 * NS });
  const got: [Time, number][] = [];
  const sent: Time[] = [];
  link.b.onFrame = (t, f) => got.push([t, f.length]);
  link.a.onTransmitted = (t) => sent.push(t);
  assert.ok(link.a.send(0, new Uint8Array(1514)));
  assert.ok(link.a.send(0, new Uint8Array(60)));
  assert.equal(link.a.queued, 2);
  sched.runUntilIdle();
  assert.deepEqual(sent, [1_230_400, 1_297_600]);
  assert.deepEqual(got, [[1_255_400, 1514], [1_322_600, 60]]);
  assert.equal(link.a.queued, 0);
  const st = link.a.tx;
  assert.equal(st.frames, 2);
  assert.equal(st.bytes, 1574);
  assert.equal(st.busy, 1_297_600);
  assert.equal(st.delivered, 2);
  // Full duplex: the other direction is independent.
  assert.equal(link.b.tx.frames, 0);
  link.a.onFrame = (t) => got.push([t, -1]);
  link.b.send(sched.now, new Uint8Array(60));
  sched.runUntilIdle();
  assert.equal(got[2][0], 1_322_600 + 67_200 + 25 * NS);
});

Deno.test("link: a full egress queue drops and counts; it drains as frames leave", () => {
  const sched = new Scheduler();
  const link = new EthernetLink(sched, { queueFrames: 3 });
  let n = 0;
  link.b.onFrame = () => n++;
  const ok = [0, 1, 2, 3, 4].map(() => link.a.send(0, new Uint8Array(100)));
  assert.deepEqual(ok, [true, true, true, false, false]);
  assert.equal(link.a.tx.drops, 2);
  sched.runUntil(wireTime(100)); // the first frame has left
  assert.ok(link.a.send(sched.now, new Uint8Array(100)));
  sched.runUntilIdle();
  assert.equal(n, 4);
  assert.equal(link.a.tx.maxQueue, 3);
});

Deno.test("link: fault injector applies per direction", () => {
  const sched = new Scheduler();
  const inj = new FaultInjector(new Rng(9), { drop: 1 });
  const link = new EthernetLink(sched, { faultAtoB: inj });
  let ab = 0, ba = 0;
  link.b.onFrame = () => ab++;
  link.a.onFrame = () => ba++;
  for (let i = 0; i < 10; i++) {
    link.a.send(0, new Uint8Array(64));
    link.b.send(0, new Uint8Array(64));
  }
  sched.runUntilIdle();
  assert.equal(ab, 0);
  assert.equal(ba, 10);
  assert.equal(inj.stats.dropped, 10);

  const s2 = new Scheduler();
  const re = new FaultInjector(new Rng(1), { reorder: 1, reorderDelay: 5 * US });
  const l2 = new EthernetLink(s2, { faultAtoB: re });
  const at: Time[] = [];
  l2.b.onFrame = (t) => at.push(t);
  l2.a.send(0, new Uint8Array(60));
  s2.runUntilIdle();
  assert.deepEqual(at, [67_200 + 25 * NS + 5 * US]);
});

Deno.test("link: frames with no receiver are counted, not lost silently", () => {
  const sched = new Scheduler();
  const link = new EthernetLink(sched);
  link.a.send(0, new Uint8Array(60));
  sched.runUntilIdle();
  assert.equal(link.a.tx.unclaimed, 1);
  assert.throws(() => new EthernetLink(sched, { queueFrames: 0 }), /queueFrames/);
});

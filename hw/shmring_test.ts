import assert from "node:assert/strict";
import { Scheduler } from "../core/scheduler.ts";
import { NS, type Time } from "../core/time.ts";
import { SHM_MESSAGE_LATENCY, ShmRingTransport } from "./shmring.ts";
import type { Message, Transport } from "./transport.ts";

Deno.test("shmring: per-message latency is 40 ns plus a term per further cache line", () => {
  const sched = new Scheduler();
  const ring: Transport = new ShmRingTransport(sched, 4);
  assert.equal(SHM_MESSAGE_LATENCY, 40 * NS);
  assert.equal(ring.latency(0, 1, 1), 40 * NS);
  assert.equal(ring.latency(0, 1, 8), 40 * NS); // 64 bytes: one line
  assert.equal(ring.latency(0, 1, 9), 45 * NS);
  const custom = new ShmRingTransport(sched, 2, { messageLatency: 100 * NS, extraLineLatency: 0 });
  assert.equal(custom.latency(0, 1, 100), 100 * NS);
  const got: Message[] = [];
  ring.onArrival(2, 3, (t, tile, q) => {
    assert.equal(t, sched.now);
    got.push(ring.pop(tile, q)!);
  });
  assert.equal(ring.send(0, 1, 2, 3, "cmd", 2), "sent");
  sched.runUntilIdle();
  assert.equal(got.length, 1);
  assert.equal(got[0].payload, "cmd");
  assert.equal(got[0].arrivedAt, 40 * NS);
  assert.equal(ring.pop(2, 3), undefined);
});

Deno.test("shmring: a short message does not overtake a long one between the same cores", () => {
  const sched = new Scheduler();
  const ring = new ShmRingTransport(sched, 2);
  const got: Message[] = [];
  ring.onArrival(1, 0, () => got.push(ring.pop(1, 0)!));
  ring.send(0, 0, 1, 0, "long", 64);
  ring.send(0, 0, 1, 0, "short", 1);
  sched.runUntilIdle();
  assert.deepEqual(got.map((m) => m.payload), ["long", "short"]);
  assert.ok(got[1].arrivedAt >= got[0].arrivedAt);
});

Deno.test("shmring: bounded rings back-pressure senders without loss", () => {
  const sched = new Scheduler();
  const ring = new ShmRingTransport(sched, 3, { queueWords: 8 });
  const got: number[] = [];
  let stalled = 0, accepted = 0;
  for (let i = 0; i < 30; i++) {
    if (ring.send(0, i % 2, 2, 0, i, 2, () => accepted++) === "stalled") stalled++;
  }
  const drain = (t: Time) => {
    const m = ring.pop(2, 0);
    if (m) got.push(m.payload as number);
    if (got.length < 30) sched.at(t + 100 * NS, drain);
  };
  sched.at(0, drain);
  sched.runUntilIdle();
  assert.equal(got.length, 30);
  assert.deepEqual(got.filter((i) => i % 2 === 0), Array.from({ length: 15 }, (_, k) => 2 * k));
  assert.deepEqual(got.filter((i) => i % 2 === 1), Array.from({ length: 15 }, (_, k) => 2 * k + 1));
  assert.ok(stalled > 0);
  assert.equal(accepted, stalled);
  assert.ok(ring.queueStats(2, 0).highWaterReserved <= 8);
});

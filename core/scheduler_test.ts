import assert from "node:assert/strict";
import { type EventId, Scheduler } from "./scheduler.ts";
import { Rng } from "./rng.ts";
import { NS, type Time, US } from "./time.ts";

Deno.test("Scheduler: events run in time order, equal times in scheduling order", () => {
  const s = new Scheduler();
  const log: string[] = [];
  const push = (_now: Time, tag: string) => log.push(tag);
  s.at(20, push, "c");
  s.at(10, push, "a");
  s.at(20, push, "d");
  s.at(10, push, "b");
  s.at(10, (now) => {
    log.push("e");
    // Same-time events scheduled while dispatching run after those already pending.
    s.at(now, push, "g");
    s.at(20, push, "f2");
  });
  s.runUntilIdle();
  assert.deepEqual(log, ["a", "b", "e", "g", "c", "d", "f2"]);
  assert.equal(s.now, 20);
  assert.equal(s.dispatched, 7);
});

Deno.test("Scheduler: random schedules dispatch as a stable sort by time", () => {
  const s = new Scheduler();
  const rng = new Rng(3, "sched");
  const expected: [Time, number][] = [];
  const got: number[] = [];
  for (let i = 0; i < 5000; i++) { // grows past the initial capacity
    const t = rng.int(200) * NS;
    expected.push([t, i]);
    s.at(t, (_now, id: number) => got.push(id), i);
  }
  assert.equal(s.pending, 5000);
  assert.equal(s.nextTime, Math.min(...expected.map((e) => e[0])));
  expected.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  s.runUntilIdle();
  assert.deepEqual(got, expected.map((e) => e[1]));
  assert.equal(s.nextTime, Infinity);
});

Deno.test("Scheduler: cancel removes pending events and keeps the heap ordered", () => {
  const s = new Scheduler();
  const rng = new Rng(4, "cancel");
  const ids: EventId[] = [];
  const times: Time[] = [];
  const got: number[] = [];
  for (let i = 0; i < 2000; i++) {
    times.push(rng.int(1000));
    ids.push(s.at(times[i], (_now, id: number) => got.push(id), i));
  }
  const cancelled = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    if (rng.chance(0.5)) {
      assert.equal(s.cancel(ids[i]), true);
      cancelled.add(i);
    }
  }
  assert.equal(s.pending, 2000 - cancelled.size);
  s.runUntilIdle();
  const want = [...Array(2000).keys()].filter((i) => !cancelled.has(i))
    .sort((a, b) => times[a] - times[b] || a - b);
  assert.deepEqual(got, want);
});

Deno.test("Scheduler: cancel of run, cancelled or invalid handles returns false", () => {
  const s = new Scheduler();
  let ran = 0;
  const a = s.at(10, () => ran++);
  assert.equal(s.isPending(a), true);
  s.runUntilIdle();
  assert.equal(ran, 1);
  assert.equal(s.isPending(a), false);
  assert.equal(s.cancel(a), false); // already ran
  const b = s.at(20, () => ran++);
  assert.notEqual(b, a); // same slot reused, different handle
  assert.equal(s.cancel(a), false); // stale handle must not cancel b
  assert.equal(s.isPending(b), true);
  assert.equal(s.cancel(b), true);
  assert.equal(s.cancel(b), false); // already cancelled
  const c = s.at(30, () => ran++);
  assert.ok(c !== a && c !== b);
  for (const bad of [0, -1, NaN, 1e15, 0.5]) assert.equal(s.cancel(bad), false);
  s.runUntilIdle();
  assert.equal(ran, 2);
});

Deno.test("Scheduler: handles stay unique across many slot reuses", () => {
  const s = new Scheduler();
  const seen = new Set<EventId>();
  for (let i = 0; i < 10_000; i++) {
    const id = s.at(i, () => {});
    assert.equal(seen.has(id), false);
    seen.add(id);
    if (i % 2 === 0) s.cancel(id);
    else s.step();
  }
});

Deno.test("Scheduler: runUntil runs events up to and including t, then advances now to t", () => {
  const s = new Scheduler();
  const log: Time[] = [];
  for (const t of [5, 10, 15]) s.at(t, (now) => log.push(now));
  assert.equal(s.runUntil(10), 2);
  assert.deepEqual(log, [5, 10]);
  assert.equal(s.now, 10);
  assert.equal(s.runUntil(12), 0);
  assert.equal(s.now, 12);
  s.runUntilIdle();
  assert.equal(s.now, 15);
  s.runUntil(US); // idle: time still advances
  assert.equal(s.now, US);
  s.runUntil(5); // never goes backwards
  assert.equal(s.now, US);
  s.after(NS, (now) => log.push(now));
  s.runUntilIdle();
  assert.equal(log[log.length - 1], US + NS);
});

Deno.test("Scheduler: scheduling in the past is a programming error", () => {
  const s = new Scheduler();
  s.runUntil(100);
  assert.throws(() => s.at(99, () => {}), RangeError);
  assert.throws(() => s.at(NaN, () => {}), RangeError);
  assert.throws(() => s.after(-1, () => {}), RangeError);
  s.at(100, () => {}); // now itself is fine
});

Deno.test("Scheduler: stop() ends the current run after the event", () => {
  const s = new Scheduler();
  const log: Time[] = [];
  for (const t of [1, 2, 3, 4]) {
    s.at(t, (now) => {
      log.push(now);
      if (now === 2) s.stop();
    });
  }
  assert.equal(s.runUntil(10), 2);
  assert.equal(s.now, 2); // a stopped runUntil does not jump to its target
  assert.deepEqual(log, [1, 2]);
  assert.equal(s.runUntilIdle(1), 1);
  assert.equal(s.runUntilIdle(), 1);
  assert.deepEqual(log, [1, 2, 3, 4]);
  assert.equal(s.step(), false);
});

Deno.test("Scheduler: handlers that schedule and cancel match a reference model", () => {
  // The reference is a plain list sorted by (time, scheduling order).
  for (const seed of [1, 2, 3]) {
    const s = new Scheduler();
    const rng = new Rng(seed, "sched-model");
    const model: { t: Time; seq: number; id: EventId | null }[] = [];
    const got: number[] = [];
    const want: number[] = [];
    let seq = 0;
    const handler = (now: Time, n: number) => {
      got.push(n);
      const k = model.findIndex((e) => e.seq === n);
      assert.equal(k, 0); // the model's earliest event
      assert.equal(now, model[0].t);
      want.push(model.shift()!.seq);
      for (let j = rng.int(3); j > 0; j--) schedule(now);
      if (model.length > 0 && rng.chance(0.2)) {
        const victim = model[rng.int(model.length)]; // often the earliest
        if (victim.id !== null) {
          assert.equal(s.cancel(victim.id), true);
          model.splice(model.indexOf(victim), 1);
        }
      }
      assert.equal(s.pending, model.length);
      assert.equal(s.nextTime, model.length > 0 ? model[0].t : Infinity);
    };
    const schedule = (now: Time) => {
      const t = now + rng.int(4) * 10; // many equal times, some equal to now
      const n = seq++;
      const id = rng.chance(0.5) ? s.at(t, handler, n) : (s.post(t, handler, n), null);
      const e = { t, seq: n, id };
      let i = model.length;
      while (i > 0 && model[i - 1].t > t) i--;
      model.splice(i, 0, e);
    };
    for (let i = 0; i < 5; i++) schedule(0);
    while (seq < 5000 && s.step()) if (model.length === 0) schedule(s.now);
    assert.deepEqual(got, want);
  }
});

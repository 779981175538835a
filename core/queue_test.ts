import assert from "node:assert/strict";
import { BoundedQueue } from "./queue.ts";

Deno.test("BoundedQueue: FIFO order across wrap-around", () => {
  const q = new BoundedQueue<number>(3);
  const out: number[] = [];
  for (let i = 0; i < 10; i++) {
    assert.equal(q.push(i), true);
    if (q.length === 2) out.push(q.shift() as number);
  }
  while (!q.isEmpty) out.push(q.shift() as number);
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(q.shift(), undefined);
  assert.equal(q.peek(), undefined);
});

Deno.test("BoundedQueue: full queue refuses, counts drops, keeps contents", () => {
  const q = new BoundedQueue<string>(2);
  assert.equal(q.push("a"), true);
  assert.equal(q.push("b"), true);
  assert.equal(q.isFull, true);
  assert.equal(q.free, 0);
  assert.equal(q.push("c"), false);
  assert.equal(q.push("d"), false);
  assert.equal(q.drops, 2);
  assert.equal(q.pushed, 2);
  assert.equal(q.length, 2);
  assert.equal(q.peek(), "a");
  assert.equal(q.shift(), "a");
  assert.equal(q.push("e"), true);
  assert.deepEqual([q.at(0), q.at(1), q.at(2), q.at(-1)], ["b", "e", undefined, undefined]);
});

Deno.test("BoundedQueue: high-water mark and resetStats", () => {
  const q = new BoundedQueue<number>(8);
  for (let i = 0; i < 5; i++) q.push(i);
  q.shift();
  q.shift();
  q.push(9);
  assert.equal(q.highWater, 5);
  q.resetStats();
  assert.equal(q.highWater, 4);
  assert.equal(q.drops, 0);
  assert.equal(q.pushed, 0);
  q.clear();
  assert.equal(q.length, 0);
  assert.equal(q.highWater, 4);
  q.push(1);
  assert.equal(q.shift(), 1);
});

Deno.test("BoundedQueue: bad capacity is a programming error", () => {
  assert.throws(() => new BoundedQueue(0), RangeError);
  assert.throws(() => new BoundedQueue(1.5), RangeError);
});

import assert from "node:assert/strict";
import { seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt, seqMax, seqMin } from "./seq.ts";

const TOP = 0xffffffff;

Deno.test("seq: add wraps modulo 2^32", () => {
  assert.equal(seqAdd(TOP, 1), 0);
  assert.equal(seqAdd(TOP - 9, 20), 10);
  assert.equal(seqAdd(5, -10), TOP - 4);
  assert.equal(seqAdd(0, 0), 0);
});

Deno.test("seq: diff is signed across the wrap", () => {
  assert.equal(seqDiff(10, TOP - 9), 20);
  assert.equal(seqDiff(TOP - 9, 10), -20);
  assert.equal(seqDiff(100, 100), 0);
});

Deno.test("seq: comparisons across the wrap", () => {
  const a = TOP - 5, b = 3; // b is "after" a
  assert.ok(seqLt(a, b));
  assert.ok(seqLe(a, b));
  assert.ok(!seqGt(a, b));
  assert.ok(seqGt(b, a));
  assert.ok(seqGe(b, a));
  assert.ok(seqLe(a, a) && seqGe(a, a) && !seqLt(a, a) && !seqGt(a, a));
  assert.equal(seqMax(a, b), b);
  assert.equal(seqMin(a, b), a);
});

Deno.test("seq: window membership across the wrap", () => {
  const lo = TOP - 100, hi = seqAdd(lo, 1000);
  assert.ok(seqInWindow(lo, lo, hi));
  assert.ok(seqInWindow(TOP, lo, hi));
  assert.ok(seqInWindow(0, lo, hi));
  assert.ok(seqInWindow(seqAdd(hi, -1), lo, hi));
  assert.ok(!seqInWindow(hi, lo, hi));
  assert.ok(!seqInWindow(seqAdd(lo, -1), lo, hi));
});

Deno.test("seq: ordering agrees with integer order for nearby values (property)", () => {
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const d = (x % 200000) - 100000;
    const a = x, b = seqAdd(x, d);
    assert.equal(seqLt(a, b), d > 0);
    assert.equal(seqDiff(b, a), d);
  }
});

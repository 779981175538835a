import { deepEqual, equal, throws } from "node:assert/strict";
import { Doorbell, PAD, SpscRing } from "./spsc_ring.ts";
import type { StressDone, StressStart } from "./spsc_ring_stress_worker.ts";

Deno.test("SpscRing: records come out in order with their lengths, then empty", () => {
  const r = new SpscRing(SpscRing.allocate(16));
  const out = new Uint32Array(8);
  equal(r.tryPop(out), -1);
  equal(r.tryPush([1, 2, 3], 3), true);
  equal(r.tryPush([], 0), true);
  equal(r.tryPush([0xffffffff], 1), true);
  equal(r.tryPop(out), 3);
  deepEqual([...out.subarray(0, 3)], [1, 2, 3]);
  equal(r.tryPop(out), 0);
  equal(r.tryPop(out), 1);
  equal(out[0], PAD); // a PAD-valued payload word is data, not a marker
  equal(r.tryPop(out), -1);
  equal(r.isEmpty(), true);
});

Deno.test("SpscRing: a full ring refuses a push and accepts it once space is freed", () => {
  const r = new SpscRing(SpscRing.allocate(8));
  equal(r.tryPush([1, 2, 3], 3), true); // 4 words
  equal(r.tryPush([4, 5, 6], 3), true); // 8 words: full
  equal(r.tryPush([7], 1), false);
  const out = new Uint32Array(4);
  equal(r.tryPop(out), 3);
  equal(r.tryPush([7], 1), true);
  equal(r.tryPop(out), 3);
  deepEqual([...out.subarray(0, 3)], [4, 5, 6]);
  equal(r.tryPop(out), 1);
  equal(out[0], 7);
});

Deno.test("SpscRing: a record that would straddle the end is padded to the start", () => {
  const r = new SpscRing(SpscRing.allocate(8));
  const out = new Uint32Array(4);
  equal(r.tryPush([1, 2], 2), true); // words 0..2
  equal(r.tryPop(out), 2);
  equal(r.tryPush([3, 4, 5], 3), true); // words 3..6
  equal(r.tryPop(out), 3);
  // 1 word left before the end: this record pads it and starts at 0.
  equal(r.tryPush([6, 7, 8], 3), true);
  equal(r.used, 5);
  equal(r.tryPop(out), 3);
  deepEqual([...out.subarray(0, 3)], [6, 7, 8]);
  equal(r.used, 0);
});

Deno.test("SpscRing: bad sizes and oversized records throw", () => {
  throws(() => SpscRing.allocate(12), RangeError);
  throws(() => SpscRing.allocate(2), RangeError);
  throws(() => new SpscRing(new SharedArrayBuffer(4 * 16 + 4 * 12)), RangeError);
  const r = new SpscRing(SpscRing.allocate(8));
  throws(() => r.tryPush([1, 2, 3, 4], 4), RangeError); // maxRecord is 3
  r.tryPush([1, 2, 3], 3);
  throws(() => r.tryPop(new Uint32Array(2)), RangeError);
});

Deno.test("SpscRing: head and tail wrap past 2^32 words without losing records", () => {
  const r = new SpscRing(SpscRing.allocate(8));
  // Start both counters just below 2^32 (as if 4 G words had passed).
  const ctl = new Int32Array(r.buffer, 0, 16);
  ctl[0] = -6;
  ctl[8] = -6;
  const out = new Uint32Array(4);
  for (let i = 0; i < 10; i++) {
    equal(r.tryPush([i, i + 1], 2), true);
    equal(r.tryPop(out), 2);
    deepEqual([out[0], out[1]], [i, i + 1]);
  }
});

Deno.test("SpscRing: two-Worker stress: 100k records cross intact and in order", async () => {
  const count = 100_000, maxLen = 40;
  const ring = SpscRing.allocate(4096);
  const bell = Doorbell.allocate();
  const run = (role: StressStart["role"]) => {
    const w = new Worker(new URL("./spsc_ring_stress_worker.ts", import.meta.url), {
      type: "module",
    });
    const done = new Promise<StressDone>((resolve) => {
      w.onmessage = (e) => {
        w.terminate();
        resolve(e.data);
      };
    });
    w.postMessage({ role, ring, bell, count, maxLen } satisfies StressStart);
    return done;
  };
  const [produced, consumed] = await Promise.all([run("produce"), run("consume")]);
  equal(consumed.bad, 0);
  equal(consumed.words, produced.words);
  equal(new SpscRing(ring).isEmpty(), true);
});

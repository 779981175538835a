import assert from "node:assert/strict";
import { Clock } from "./time.ts";

/** The exact definition: cumulative cycles times the period, rounded once. */
function exact(hz: number, n: number): number {
  return Math.round((n * 1e12) / hz);
}

Deno.test("Clock.cycles: table and formula agree with the exact conversion", () => {
  // 1 Hz and 1 kHz periods overflow int32 within a few cycles, so their
  // tables are short or empty; the others use the full table.
  for (const hz of [1, 1000, 1_000_000, 1_200_000_000, 1_000_000_000, 3_000_000_000]) {
    const c = new Clock(hz);
    for (const n of [0, 1, 2, 3, 5, 6, 7, 100, 2147, 2148, 4095, 4096, 4097, 1e6, 1e9]) {
      assert.equal(c.cycles(n), exact(hz, n), `${hz} Hz, ${n} cycles`);
    }
    for (const n of [0.5, 2.25, 4095.5]) assert.equal(c.cycles(n), exact(hz, n));
  }
});

Deno.test("Clock: cumulative conversion at 1.2 GHz is exact", () => {
  const c = new Clock(1_200_000_000);
  assert.equal(c.cycles(6), 5000);
  assert.equal(c.cycles(1), 833);
  assert.equal(c.cycles(2), 1667);
  assert.equal(c.toCycles(5000), 6);
  assert.throws(() => new Clock(0), RangeError);
  assert.throws(() => new Clock(1.5), RangeError);
});

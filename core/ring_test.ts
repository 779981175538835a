import assert from "node:assert/strict";
import {
  doubleRing,
  nullSlots,
  numberSlots,
  RING_INITIAL_CAPACITY,
  undefinedSlots,
} from "./ring.ts";

Deno.test("doubleRing: keeps the live positions in their new slots, across the wrap", () => {
  let slots = numberSlots(4), mask = 3;
  let head = 0, tail = 0;
  const push = (v: number) => {
    if (tail - head > mask) {
      slots = doubleRing(slots, head, tail, numberSlots);
      mask = slots.length - 1;
    }
    slots[tail++ & mask] = v;
  };
  for (let p = 0; p < 4; p++) push(p * 10);
  head = 3; // positions 3..6 then live in slots 3, 0, 1, 2
  for (let p = 4; p < 7; p++) push(p * 10);
  assert.equal(slots.length, 4);
  push(70); // full: doubles
  assert.equal(slots.length, 8);
  for (let p = head; p < tail; p++) assert.equal(slots[p & mask], p * 10);
});

Deno.test("doubleRing: array slots start empty and the old array is left alone", () => {
  const old = undefinedSlots<string>(2);
  old[5 & 1] = "five";
  old[6 & 1] = "six";
  const grown = doubleRing(old, 5, 7, undefinedSlots<string>);
  assert.deepEqual(grown, [undefined, "five", "six", undefined]);
  assert.deepEqual(old, ["six", "five"]);
  assert.deepEqual(doubleRing(nullSlots<number>(1), 0, 0, nullSlots<number>), [null, null]);
  assert.equal(RING_INITIAL_CAPACITY & (RING_INITIAL_CAPACITY - 1), 0); // a power of two
});

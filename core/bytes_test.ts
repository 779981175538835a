import assert from "node:assert/strict";
import { ByteSlab } from "./bytes.ts";

Deno.test("ByteSlab: arrays are zeroed, disjoint, 8-byte aligned and survive slab turnover", () => {
  const slab = new ByteSlab(256);
  const got: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    const a = slab.alloc(1 + (i % 13));
    assert.equal(a.length, 1 + (i % 13));
    assert.ok(a.every((b) => b === 0));
    assert.equal(a.byteOffset % 8, 0);
    a.fill(i + 1);
    got.push(a);
  }
  // Nothing handed out was reused: every array still holds what its owner wrote.
  got.forEach((a, i) => assert.ok(a.every((b) => b === i + 1)));
});

Deno.test("ByteSlab: large requests get their own array; bad sizes are rejected", () => {
  const slab = new ByteSlab(256);
  const big = slab.alloc(200);
  assert.equal(big.length, 200);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 200);
  assert.equal(slab.alloc(0).length, 0);
  assert.throws(() => new ByteSlab(3), RangeError);
});

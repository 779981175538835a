import assert from "node:assert/strict";
import { Fifo } from "./fifo.ts";

Deno.test("fifo: order is kept across wrap-around and growth", () => {
  const f = new Fifo<number>(2);
  const ref: number[] = [];
  let next = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < (round % 7) + 1; i++) {
      f.push(next);
      ref.push(next++);
    }
    for (let i = 0; i < (round % 5); i++) assert.equal(f.shift(), ref.shift());
    assert.equal(f.length, ref.length);
    assert.equal(f.peek(), ref[0]);
    assert.equal(f.at(ref.length - 1), ref[ref.length - 1]);
  }
  while (ref.length > 0) assert.equal(f.shift(), ref.shift());
  assert.equal(f.shift(), undefined);
  assert.equal(f.peek(), undefined);
  assert.equal(f.at(0), undefined);
});

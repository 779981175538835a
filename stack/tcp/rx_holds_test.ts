import assert from "node:assert/strict";
import { RxHolds } from "./rx_holds.ts";
import { refOf, SharedRx } from "../buf.ts";

function rx(log: number[], tag: number): SharedRx {
  return new SharedRx({ ref: refOf(new Uint8Array(1)), release: () => log.push(tag) });
}

Deno.test("rx holds: ids are consecutive, release in any order, bytes tracked", () => {
  const log: number[] = [];
  const h = new RxHolds();
  const ids: number[] = [];
  for (let i = 0; i < 200; i++) ids.push(h.add(rx(log, i), 10));
  const multi = h.add([rx(log, 1000), rx(log, 1001)], 5);
  assert.deepEqual(ids.slice(0, 3), [1, 2, 3]);
  assert.equal(h.bytes, 2005);
  assert.ok(h.release(ids[5]));
  assert.ok(!h.release(ids[5])); // double release refused
  assert.ok(!h.release(9999));
  assert.ok(!h.release(0.5));
  for (let i = 0; i < 150; i++) if (i !== 5) assert.ok(h.release(ids[i]));
  assert.equal(h.bytes, 2005 - 1500);
  assert.ok(h.release(multi));
  assert.deepEqual(log.slice(-2), [1000, 1001]);
  assert.equal(h.outstanding, 50);
  h.clear();
  assert.equal(h.bytes, 0);
  assert.equal(log.length, 202);
  const next = h.add(rx(log, 7), 1);
  assert.equal(next, multi + 1);
});

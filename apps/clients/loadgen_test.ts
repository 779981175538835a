import assert from "node:assert/strict";
import { ImmediateContext } from "../../core/work.ts";
import { ByteArena } from "../common/arena.ts";
import { ItemClock, TxRing } from "./loadgen.ts";

Deno.test("TxRing: hands out space in send order, never splits a request, reuses acked space", () => {
  const mem = new ByteArena(100);
  const ring = new TxRing(mem, 10, 20);
  const b = new Uint8Array(30).map((_, i) => i);
  assert.equal(ring.write(b, 0, 8), 10);
  assert.equal(ring.lastToken, 0);
  assert.equal(ring.write(b, 8, 8), 18);
  assert.equal(ring.write(b, 0, 8), -1); // 4 bytes left at the end, none at the start
  ring.release(0);
  assert.equal(ring.write(b, 0, 8), 10); // wrapped to the start, skipping the end
  assert.deepEqual([...mem.read(10, 8)], [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(ring.inFlight, 2);
  ring.release(2); // acks are cumulative
  assert.equal(ring.inFlight, 0);
  assert.equal(ring.write(b, 0, 21), -1); // larger than the ring
  for (let i = 0; i < 40; i++) { // many small sends in flight at once (token ring grows)
    assert.ok(ring.write(b, 0, 0) >= 0);
  }
  assert.equal(ring.inFlight, 40);
  assert.throws(() => new TxRing(mem, 90, 20), RangeError);
});

Deno.test("ItemClock: dispatch time plus the app's own charges, restarted per item", () => {
  let t = 1_000_000;
  const clock = new ItemClock(() => t, 2_000_000_000);
  const a = new ImmediateContext();
  clock.charge(a, 2000); // 1 us at 2 GHz
  assert.equal(clock.now(a), 2_000_000);
  assert.equal(a.cycles, 2000);
  t = 5_000_000; // the next item
  assert.equal(clock.now(a), 5_000_000);
  const b = new ImmediateContext();
  clock.charge(b, 200);
  assert.equal(clock.now(b), 5_100_000);
});

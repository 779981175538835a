import assert from "node:assert/strict";
import { TimerHeap, type TimerOwner } from "./timer_heap.ts";
import { Rng } from "../../core/rng.ts";

function owner(id: number): TimerOwner {
  return { id, deadline: Infinity, heapIdx: -1 };
}

Deno.test("timer heap: min follows updates, removals and ties by id", () => {
  const h = new TimerHeap<TimerOwner>();
  const a = owner(1), b = owner(2), c = owner(3);
  assert.equal(h.min(), Infinity);
  a.deadline = 50;
  h.update(a);
  b.deadline = 20;
  h.update(b);
  c.deadline = 20;
  h.update(c);
  assert.equal(h.peek(), b);
  b.deadline = 100;
  h.update(b);
  assert.equal(h.peek(), c);
  c.deadline = Infinity;
  h.update(c);
  assert.equal(c.heapIdx, -1);
  assert.equal(h.peek(), a);
  h.remove(a);
  assert.equal(h.peek(), b);
  assert.equal(h.size, 1);
});

Deno.test("timer heap: random updates match a brute-force minimum", () => {
  const rng = new Rng(3, "heap");
  const h = new TimerHeap<TimerOwner>();
  const os = Array.from({ length: 64 }, (_, i) => owner(i));
  for (let step = 0; step < 5000; step++) {
    const o = os[rng.int(os.length)];
    o.deadline = rng.chance(0.2) ? Infinity : rng.int(1000);
    h.update(o);
    let best: TimerOwner | undefined;
    for (const x of os) {
      if (x.deadline === Infinity) continue;
      if (!best || x.deadline < best.deadline || (x.deadline === best.deadline && x.id < best.id)) {
        best = x;
      }
    }
    assert.equal(h.peek(), best);
    assert.equal(h.min(), best ? best.deadline : Infinity);
  }
});

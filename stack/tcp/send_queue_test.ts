import assert from "node:assert/strict";
import { SendQueue } from "./send_queue.ts";
import { gather, refOf } from "../buf.ts";
import type { BufRef } from "../../hw/buffers.ts";
import { Rng } from "../../core/rng.ts";

function pattern(start: number, len: number): BufRef {
  const d = new Uint8Array(len);
  for (let i = 0; i < len; i++) d[i] = (start + i) * 7 & 255;
  return refOf(d);
}

Deno.test("send queue: slices span refs without copying, tokens complete on ack", () => {
  const q = new SendQueue();
  const a = pattern(0, 10), b = pattern(10, 5), c = pattern(15, 20);
  q.push([a, b], 1);
  q.push([c], 2);
  q.push([], 3); // empty send completes with the bytes before it
  assert.equal(q.bytes, 35);
  const s1 = q.slice(0, 10);
  assert.equal(s1.length, 1);
  assert.equal(s1[0], a); // whole ref passed through
  const s2 = q.slice(10, 12);
  assert.equal(s2.length, 2);
  assert.equal(s2[0], b);
  assert.deepEqual(gather(s2), gather([pattern(10, 12)]));
  assert.ok(!q.tokenReady());
  q.ack(14);
  assert.ok(!q.tokenReady());
  q.ack(1);
  assert.ok(q.tokenReady());
  assert.equal(q.popToken(), 1);
  assert.ok(!q.tokenReady());
  // retransmission from the (new) head
  assert.deepEqual(gather(q.slice(15, 20)), gather([c]));
  q.ack(100); // clamped
  assert.equal(q.bytes, 0);
  assert.equal(q.popToken(), 2);
  assert.equal(q.popToken(), 3);
  assert.equal(q.pendingTokens, 0);
});

Deno.test("send queue: random slicing and acking matches the byte stream", () => {
  const rng = new Rng(5, "sq");
  const q = new SendQueue();
  let total = 0;
  let tok = 0;
  const done: number[] = [];
  for (let step = 0; step < 3000; step++) {
    if (rng.chance(0.4)) {
      const refs: BufRef[] = [];
      for (let k = rng.int(3); k >= 0; k--) {
        const len = rng.int(50);
        refs.push(pattern(total, len));
        total += len;
      }
      q.push(refs, tok++);
    }
    if (q.bytes > 0) {
      const from = q.acked + rng.int(q.bytes);
      const len = 1 + rng.int(q.queued - from);
      assert.deepEqual(gather(q.slice(from, len)), gather([pattern(from, len)]));
      if (rng.chance(0.5)) q.ack(rng.int(q.bytes + 1));
    }
    while (q.tokenReady()) done.push(q.popToken());
  }
  for (let i = 0; i < done.length; i++) assert.equal(done[i], i);
  const rest = q.clear();
  assert.equal(done.length + rest.length, tok);
});

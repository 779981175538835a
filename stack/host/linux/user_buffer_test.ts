/** The per-thread user receive buffer: ring-order allocation and reuse. */
import assert from "node:assert/strict";
import { UserBuffer } from "./user_buffer.ts";

Deno.test("linux: user buffer allocates in ring order and reuses freed space", () => {
  const b = new UserBuffer("u", 100);
  assert.equal(b.alloc(1, 40, "a"), 0);
  assert.equal(b.alloc(2, 40, "b"), 40);
  assert.equal(b.alloc(3, 30, "a"), -1, "no room at the end nor before the oldest chunk");
  assert.ok(b.free(1));
  assert.equal(b.alloc(3, 30, "a"), 0, "wraps to the front once the oldest is free");
  assert.equal(b.alloc(4, 15, "b"), -1, "would overrun the oldest live chunk");
  assert.equal(b.alloc(4, 10, "b"), 30);
  assert.equal(b.used, 80);
  b.freeTagged("b");
  assert.equal(b.used, 30);
  assert.ok(!b.free(2), "already freed with its tag");
  b.free(3);
  assert.equal(b.used, 0);
  assert.equal(b.alloc(5, 100, "c"), 0, "empty buffer starts over");
  assert.equal(b.alloc(6, 101, "c"), -1, "larger than the buffer");
});

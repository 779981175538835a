import assert from "node:assert/strict";
import { BumpAllocator, ByteArena, SlabAllocator } from "./arena.ts";
import { ConnTable } from "./conns.ts";
import { resolveAppCosts } from "./costs.ts";
import { PartialLine } from "./lines.ts";
import { Outbox, plainRelease } from "./outbox.ts";
import { ImmediateContext } from "../../core/work.ts";
import type { ConnRef, SocketApi } from "../api.ts";
import type { BufRef } from "../../hw/buffers.ts";
import { ascii } from "./ascii.ts";

Deno.test("ByteArena: bounds-checked read and write", () => {
  const m = new ByteArena(8);
  m.write(2, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...m.read(1, 4)], [0, 1, 2, 3]);
  assert.throws(() => m.write(7, new Uint8Array(2)), RangeError);
  assert.throws(() => m.read(-1, 1), RangeError);
});

Deno.test("BumpAllocator: consecutive, bounded", () => {
  const m = new ByteArena(16);
  const b = new BumpAllocator(m, 4, 8);
  const r = b.put(ascii("abc"))!;
  assert.deepEqual([r.off, r.len], [4, 3]);
  assert.equal(b.alloc(5)!.off, 7);
  assert.equal(b.alloc(1), null);
  assert.throws(() => new BumpAllocator(m, 10, 10), RangeError);
});

Deno.test("SlabAllocator: memcached size classes, pages on demand, LIFO reuse", () => {
  const m = new ByteArena(4096);
  const s = new SlabAllocator(m, { base: 0, size: 4096, pageSize: 1024, minChunk: 96 });
  assert.deepEqual(s.classSizes, [96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 1024]);
  assert.equal(s.classFor(96), 0);
  assert.equal(s.classFor(97), 1);
  assert.equal(s.classFor(1025), -1);
  const a = s.alloc(100)!;
  const b = s.alloc(100)!;
  assert.deepEqual([a.off, b.off, a.size, a.cls], [0, 120, 120, 1]);
  assert.equal(s.pages(1), 1);
  b.retain();
  b.release();
  assert.equal(b.refs, 1);
  b.release();
  assert.equal(b.refs, 0);
  assert.throws(() => b.release());
  assert.equal(s.alloc(110)!.off, 120); // the freed chunk comes back first
  // Exhaust: 4 pages of 1024-byte chunks, one page already taken by class 1.
  const big = [s.alloc(1000), s.alloc(1000), s.alloc(1000)];
  assert.ok(big.every((x) => x !== null));
  assert.equal(s.alloc(1000), null);
  assert.equal(s.pagesAssigned, 4);
  assert.equal(s.totalInUse, 5);
});

Deno.test("TxBlock: ref and write stay inside the chunk", () => {
  const m = new ByteArena(1024);
  const s = new SlabAllocator(m, { base: 0, size: 1024, pageSize: 1024, minChunk: 64 });
  const blk = s.alloc(10)!;
  blk.write(0, ascii("hello"));
  const r = blk.ref(1, 3);
  assert.equal(String.fromCharCode(...r.mem.read(r.off, r.len)), "ell");
  assert.throws(() => blk.ref(60, 10), RangeError);
  assert.throws(() => blk.write(62, ascii("abc")), RangeError);
});

Deno.test("ConnTable: keyed by (stack, conn), deterministic iteration", () => {
  const t = new ConnTable<string>();
  t.set(1, 5, "a");
  t.set(0, 9, "b");
  t.set(1, 2, "c");
  t.set(1, 5, "a2");
  assert.equal(t.size, 3);
  assert.deepEqual([...t.values()], ["a2", "c", "b"]);
  assert.ok(t.delete(1, 5));
  assert.ok(!t.delete(1, 5));
  assert.equal(t.get(0, 9), "b");
  assert.equal(t.size, 2);
});

Deno.test("PartialLine grows and clears", () => {
  const p = new PartialLine();
  const src = new Uint8Array(1000).fill(7);
  p.append(src, 0, 300);
  p.append(src, 0, 700);
  assert.equal(p.len, 1000);
  assert.equal(p.bytes[999], 7);
  p.clear();
  assert.equal(p.len, 0);
});

Deno.test("resolveAppCosts validates overrides", () => {
  assert.equal(resolveAppCosts({ commandBase: 1 }).commandBase, 1);
  assert.throws(() => resolveAppCosts({ commandBase: -1 }), RangeError);
  assert.throws(() => resolveAppCosts({ nope: 1 } as never));
});

Deno.test("Outbox: batches, pins until cumulative ack, rolls back", () => {
  const m = new ByteArena(64 * 1024);
  const scratch = new SlabAllocator(m, { base: 0, size: 65536, pageSize: 16384, minChunk: 256 });
  const sent: { refs: readonly BufRef[]; token: number }[] = [];
  const api = {
    send: (_c: ConnRef, refs: readonly BufRef[], token: number) => sent.push({ refs, token }),
  } as unknown as SocketApi;
  const ctx = new ImmediateContext();
  const ob = new Outbox(resolveAppCosts(), plainRelease, scratch);
  const c: ConnRef = { stack: 0, conn: 1 };
  assert.ok(ob.text(ctx, ascii("one"), 3));
  ob.flush(ctx, api, c);
  assert.ok(ob.text(ctx, ascii("two"), 3));
  const rm = ob.markRefs();
  const hm = ob.markHolds();
  const big = new Uint8Array(1000);
  assert.ok(ob.text(ctx, big, 1000)); // needs a new block
  ob.rollback(ctx, rm, hm);
  assert.equal(ob.queued, 1);
  ob.flush(ctx, api, c);
  assert.deepEqual(sent.map((s) => s.token), [1, 2]);
  assert.equal(ob.inFlight, 2);
  assert.equal(scratch.totalInUse, 2);
  ob.acked(ctx, 2); // cumulative
  assert.equal(ob.inFlight, 0);
  assert.equal(scratch.totalInUse, 0);
  assert.equal(ob.flush(ctx, api, c), 0); // nothing queued: no send
  assert.equal(sent.length, 2);
});

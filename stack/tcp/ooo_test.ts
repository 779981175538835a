import assert from "node:assert/strict";
import { OOO_DROPPED, OooQueue } from "./ooo.ts";
import { gather, refOf, SharedRx } from "../buf.ts";
import type { BufRef } from "../../hw/buffers.ts";
import { seqAdd } from "./seq.ts";
import { Rng } from "../../core/rng.ts";

/** A stream of bytes whose value at sequence s is s & 255. */
function frame(seq: number, len: number): { ref: BufRef; rx: SharedRx; released: () => boolean } {
  const data = new Uint8Array(len);
  for (let i = 0; i < len; i++) data[i] = (seq + i) & 255;
  let rel = false;
  const ref = refOf(data);
  const rx = new SharedRx({ ref, release: () => (rel = true) });
  return { ref, rx, released: () => rel };
}

Deno.test("ooo: trims overlaps, drains in order, releases holds", () => {
  const q = new OooQueue(16, 1 << 20);
  const base = 0xfffffff0; // straddles the wrap
  const a = frame(seqAdd(base, 20), 10);
  assert.equal(q.insert(seqAdd(base, 20), a.ref, a.rx), 10);
  a.rx.release(); // the caller's own hold
  const b = frame(seqAdd(base, 25), 20); // overlaps a's tail
  assert.equal(q.insert(seqAdd(base, 25), b.ref, b.rx), 15);
  b.rx.release();
  const c = frame(seqAdd(base, 22), 3); // duplicate
  assert.equal(q.insert(seqAdd(base, 22), c.ref, c.rx), 0);
  c.rx.release();
  assert.ok(c.released());
  assert.equal(q.bytes, 25);
  assert.deepEqual(q.sackBlocks(4), [[seqAdd(base, 20), seqAdd(base, 45)]]);
  const refs: BufRef[] = [];
  const rxs: SharedRx[] = [];
  assert.equal(q.drain(seqAdd(base, 10), refs, rxs), seqAdd(base, 10)); // gap remains
  assert.equal(refs.length, 0);
  const nxt = q.drain(seqAdd(base, 21), refs, rxs);
  assert.equal(nxt, seqAdd(base, 45));
  const bytes = gather(refs);
  assert.equal(bytes.length, 24);
  for (let i = 0; i < bytes.length; i++) assert.equal(bytes[i], (base + 21 + i) & 255);
  assert.ok(!a.released() && !b.released());
  for (const rx of rxs) rx.release();
  assert.ok(a.released() && b.released());
  assert.ok(q.empty);
});

Deno.test("ooo: a covering segment replaces queued ones; bounds drop and count nothing queued", () => {
  const q = new OooQueue(2, 100);
  const a = frame(110, 5), b = frame(120, 5);
  q.insert(110, a.ref, a.rx);
  q.insert(120, b.ref, b.rx);
  a.rx.release();
  b.rx.release();
  const c = frame(130, 5);
  assert.equal(q.insert(130, c.ref, c.rx), OOO_DROPPED); // 3 segments > bound
  c.rx.release();
  const d = frame(105, 30); // covers both
  assert.equal(q.insert(105, d.ref, d.rx), 20);
  d.rx.release();
  assert.ok(a.released() && b.released());
  assert.equal(q.count, 1);
  const e = frame(200, 90);
  assert.equal(q.insert(200, e.ref, e.rx), OOO_DROPPED); // bytes bound
  e.rx.release();
  assert.equal(q.sackBlocks(3).length, 1);
  q.clear();
  assert.ok(d.released());
});

Deno.test("ooo: random arrivals reassemble the exact stream", () => {
  const rng = new Rng(11, "ooo");
  const q = new OooQueue(1000, 1 << 20);
  const start = 0xffffff00;
  let rcvNxt = start;
  const out: number[] = [];
  const total = 4000;
  for (let step = 0; step < 3000 && seqAdd(rcvNxt, -start) >>> 0 < total; step++) {
    const off = (rcvNxt - start) >>> 0;
    const s = off + rng.int(300);
    const len = Math.min(1 + rng.int(60), total - s);
    if (len <= 0) continue;
    const f = frame(seqAdd(start, s), len);
    if (s <= off) {
      // in order (possibly overlapping old data): deliver directly, then drain
      const skip = off - s;
      if (skip < len) {
        const bytes = f.ref.mem.read(f.ref.off + skip, len - skip);
        for (const x of bytes) out.push(x);
        rcvNxt = seqAdd(rcvNxt, len - skip);
      }
      const refs: BufRef[] = [];
      const rxs: SharedRx[] = [];
      rcvNxt = q.drain(rcvNxt, refs, rxs);
      for (const x of gather(refs)) out.push(x);
      for (const rx of rxs) rx.release();
    } else {
      q.insert(seqAdd(start, s), f.ref, f.rx);
    }
    f.rx.release();
  }
  for (let i = 0; i < out.length; i++) assert.equal(out[i], (start + i) & 255);
  assert.ok(out.length > 1000);
});

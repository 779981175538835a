import assert from "node:assert/strict";
import { SEC } from "../../core/time.ts";
import { UNIX_TIME_AT_ZERO } from "./config.ts";
import { mcFixture } from "../common/testing.ts";

/** Small memory: 1 KiB pages, 4 pages of items. */
const SMALL = { itemSizeMax: 1024, memLimit: 4096, lruBumpInterval: 0 } as const;

Deno.test("expiry: relative seconds, absolute unix time, negative", () => {
  const f = mcFixture();
  f.run("set r 0 10 1\r\na\r\n");
  f.h.now = 10 * SEC - 1;
  assert.equal(f.run("get r\r\n"), "VALUE r 0 1\r\na\r\nEND\r\n");
  f.h.now = 10 * SEC;
  assert.equal(f.run("get r\r\n"), "END\r\n");
  assert.equal(f.app.stats.getExpired, 1);

  // Absolute: more than 30 days means a unix time, against the configured epoch.
  f.run(`set a 0 ${UNIX_TIME_AT_ZERO + 15} 1\r\na\r\n`);
  f.h.now = 15 * SEC - 1;
  assert.equal(f.run("get a\r\n"), "VALUE a 0 1\r\na\r\nEND\r\n");
  f.h.now = 15 * SEC;
  assert.equal(f.run("get a\r\n"), "END\r\n");

  // Absolute in the past, and negative: stored but already expired.
  assert.equal(f.run(`set p 0 ${UNIX_TIME_AT_ZERO - 1} 1\r\na\r\nget p\r\n`), "STORED\r\nEND\r\n");
  assert.equal(f.run("set n 0 -1 1\r\na\r\nget n\r\n"), "STORED\r\nEND\r\n");
  // 30 days exactly is still relative.
  assert.equal(
    f.run("set d 0 2592000 1\r\na\r\nget d\r\n"),
    "STORED\r\nVALUE d 0 1\r\na\r\nEND\r\n",
  );
  assert.deepEqual(f.h.violations, []);
});

Deno.test("expiry: touch and gat move the deadline", () => {
  const f = mcFixture();
  f.run("set k 0 5 1\r\na\r\n");
  f.h.now = 4 * SEC;
  assert.equal(f.run("touch k 5\r\n"), "TOUCHED\r\n");
  f.h.now = 8 * SEC;
  assert.equal(f.run("gat 0 k\r\n"), "VALUE k 0 1\r\na\r\nEND\r\n");
  f.h.now = 1000 * SEC;
  assert.equal(f.run("get k\r\n"), "VALUE k 0 1\r\na\r\nEND\r\n");
  assert.equal(f.run("touch k -1\r\nget k\r\n"), "TOUCHED\r\nEND\r\n");
});

Deno.test("flush_all with a delay invalidates items stored before the deadline", () => {
  const f = mcFixture();
  f.run("set old 0 0 1\r\na\r\n");
  f.h.now = 1 * SEC;
  assert.equal(f.run("flush_all 2\r\n"), "OK\r\n");
  f.h.now = 2 * SEC;
  f.run("set mid 0 0 1\r\nb\r\n");
  assert.equal(f.run("get old mid\r\n"), "VALUE old 0 1\r\na\r\nVALUE mid 0 1\r\nb\r\nEND\r\n");
  f.h.now = 3 * SEC;
  assert.equal(f.run("get old mid\r\n"), "END\r\n");
  f.run("set new 0 0 1\r\nc\r\n");
  assert.equal(f.run("get new\r\n"), "VALUE new 0 1\r\nc\r\nEND\r\n");
  assert.equal(f.app.stats.getFlushed, 2);
});

Deno.test("LRU eviction under the memory limit evicts least recently used first", () => {
  const f = mcFixture(SMALL);
  const v = "x".repeat(100);
  // Each item fits the same slab class; 4 KiB of 1 KiB pages hold a few dozen.
  let stored = 0;
  for (let i = 0; i < 200; i++) {
    assert.equal(f.run(`set key${i} 0 0 100\r\n${v}\r\n`), "STORED\r\n");
    stored++;
    // Keep key0 hot: with lruBumpInterval 0 every hit moves it to the head.
    assert.ok(f.run("get key0\r\n").startsWith("VALUE key0 "));
  }
  const s = f.app.stats;
  assert.ok(s.evictions > 0);
  assert.equal(s.currItems + s.evictions, stored);
  assert.equal(f.app.store.size, s.currItems);
  assert.ok(f.run("get key0\r\n").startsWith("VALUE key0 0 100\r\n"));
  assert.equal(f.run("get key1\r\n"), "END\r\n");
  assert.ok(f.run("get key199\r\n").startsWith("VALUE key199 0 100\r\n"));
  assert.deepEqual(f.h.violations, []);
  assert.deepEqual(f.ctx.orderViolations, []);
});

Deno.test("expired items at the LRU tail are reclaimed before evicting", () => {
  const f = mcFixture(SMALL);
  const v = "x".repeat(100);
  f.run(`set dying 0 1 100\r\n${v}\r\n`);
  let i = 0;
  while (f.app.stats.evictions === 0 && i < 100) {
    f.h.now = 2 * SEC; // "dying" is expired from now on
    f.run(`set k${i++} 0 0 100\r\n${v}\r\n`);
    if (f.app.stats.reclaimed > 0) break;
  }
  assert.equal(f.app.stats.reclaimed, 1);
  assert.equal(f.app.stats.expiredUnfetched, 1);
  assert.equal(f.app.stats.evictions, 0);
});

Deno.test("a value in flight survives replacement, deletion and memory pressure until acked", () => {
  const f = mcFixture(SMALL);
  const a = "A".repeat(100);
  f.run(`set k 0 0 100\r\n${a}\r\n`);
  // Send a hit but do not acknowledge it.
  f.h.feed(f.conn, "get k\r\n");
  assert.equal(f.h.take(f.conn), `VALUE k 0 100\r\n${a}\r\nEND\r\n`);
  const block = f.app.store.peek("k")!.block;
  assert.equal(block.refs, 2);
  // Replace it, delete it, then churn enough items to recycle every chunk of the class.
  const b = "B".repeat(100);
  f.h.feed(f.conn, `set k 0 0 100\r\n${b}\r\nget k\r\ndelete k\r\n`);
  assert.equal(f.h.take(f.conn), `STORED\r\nVALUE k 0 100\r\n${b}\r\nEND\r\nDELETED\r\n`);
  f.h.ack(f.conn, 0);
  const c2 = f.h.open(11211);
  for (let i = 0; i < 300; i++) {
    f.h.feed(c2, `set z${i} 0 0 100\r\n${"C".repeat(100)}\r\n`);
    f.h.ack(c2);
  }
  assert.ok(f.app.stats.evictions > 0);
  // The old chunk is still pinned and unchanged.
  assert.equal(block.refs, 1);
  f.h.checkAllIntact();
  assert.deepEqual(f.h.violations, []);
  const inUse = f.app.store.slabs.totalInUse;
  f.h.ack(f.conn); // acknowledges both outstanding sends
  assert.equal(block.refs, 0);
  assert.equal(f.app.store.slabs.totalInUse, inUse - 2);
  assert.deepEqual(f.h.violations, []);
});

Deno.test("eviction skips items in flight; all busy means out of memory", () => {
  const f = mcFixture({ itemSizeMax: 1024, memLimit: 1024, lruBumpInterval: 0 });
  const v = "x".repeat(300);
  // 1 KiB page; these items take the page's largest class: a few chunks only.
  let n = 0;
  while (f.app.store.slabs.chunksFree(f.app.store.peek("k0")?.cls ?? 0) > 0 || n === 0) {
    f.run(`set k${n++} 0 0 300\r\n${v}\r\n`);
    if (n > 10) break;
  }
  const keys = Array.from({ length: n }, (_, i) => `k${i}`).join(" ");
  f.h.feed(f.conn, `get ${keys}\r\n`); // pins every item, not acknowledged
  f.h.take(f.conn);
  const c2 = f.h.open(11211);
  f.h.feed(c2, `set other 0 0 300\r\n${v}\r\n`);
  assert.equal(f.h.take(c2), "SERVER_ERROR out of memory storing object\r\n");
  assert.equal(f.app.stats.storeNoMemory, 1);
  f.h.ack(f.conn);
  f.h.feed(c2, `set other 0 0 300\r\n${v}\r\n`);
  assert.equal(f.h.take(c2), "STORED\r\n");
  assert.equal(f.app.stats.evictions, 1);
  assert.deepEqual(f.h.violations, []);
});

Deno.test("locks: item lock per key operation; set takes LRU, slabs and stats locks", () => {
  const f = mcFixture({ threads: 4 });
  const ctx = f.ctx;
  f.run("set k 0 0 1\r\na\r\n");
  assert.equal(ctx.count("mc.item."), 1);
  assert.ok(ctx.count("mc.slabs") >= 1);
  assert.ok(ctx.count("mc.lru") >= 1);
  assert.equal(ctx.count("mc.stats"), 1);
  ctx.reset();
  f.run("get k\r\n");
  // Hit within the bump interval: only the item lock.
  assert.equal(ctx.count("mc.item."), 1);
  assert.equal(ctx.count("mc.lru") + ctx.count("mc.slabs") + ctx.count("mc.stats"), 0);
  ctx.reset();
  f.run("get a b c d\r\n");
  assert.equal(ctx.count("mc.item."), 4);
  ctx.reset();
  // Replacing an item: unlink + link, and the old chunk goes back to its slab.
  f.run("set k 0 0 1\r\nb\r\n");
  assert.equal(ctx.count("mc.item."), 1);
  assert.equal(ctx.count("mc.stats"), 2);
  assert.ok(ctx.count("mc.slabs") >= 2);
  ctx.reset();
  f.run("delete k\r\nincr x 1\r\ntouch x 1\r\n");
  assert.equal(ctx.count("mc.item."), 3);
  assert.ok(ctx.total("app") > 0);
  assert.deepEqual(f.ctx.orderViolations, []);
  assert.deepEqual(f.h.violations, []);
});

Deno.test("locks: item locks are striped by key hash over a thread-sized table", () => {
  const f = mcFixture({ threads: 1 });
  for (let i = 0; i < 300; i++) f.run(`get key${i}\r\n`);
  const names = [...f.ctx.acquisitions.keys()].filter((k) => k.startsWith("mc.item."));
  assert.ok(names.length > 200, `only ${names.length} distinct stripes`);
  for (const n of names) assert.ok(Number(n.slice("mc.item.".length)) < 1024);
  const g = mcFixture({ lruLock: "per-class", lruBumpInterval: 0 });
  g.run("set a 0 0 1\r\na\r\nget a\r\n");
  assert.ok([...g.ctx.acquisitions.keys()].includes("mc.lru.0"));
});

Deno.test("costs: copies are charged to the copy category", () => {
  const f = mcFixture();
  f.run(`set k 0 0 1000\r\n${"v".repeat(1000)}\r\n`);
  assert.ok(f.ctx.total("copy") >= 1002 / 8);
  f.ctx.reset();
  f.run("get k\r\n"); // zero copy: nothing charged to copy
  assert.equal(f.ctx.total("copy"), 0);
});

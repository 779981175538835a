import assert from "node:assert/strict";
import { MEMCACHED_VERSION, memcachedMemoryBytes, resolveMemcachedConfig } from "./config.ts";
import { MemcachedApp } from "./app.ts";
import { ByteArena } from "../common/arena.ts";
import { AppHarness, mcFixture } from "../common/testing.ts";
import { ImmediateContext } from "../../core/work.ts";

function clean(f: ReturnType<typeof mcFixture>): void {
  assert.deepEqual(f.h.violations, []);
  assert.deepEqual(f.ctx.orderViolations, []);
}

Deno.test("memcached: listens on 11211 and accepts connections", () => {
  const f = mcFixture();
  assert.deepEqual(f.h.api.listens, [{ port: 11211, backlog: 1024 }]);
  assert.ok(f.h.accepted(f.conn));
  clean(f);
});

Deno.test("memcached: set/get/gets byte-exact", () => {
  const f = mcFixture();
  assert.equal(f.run("set foo 5 0 3\r\nbar\r\n"), "STORED\r\n");
  assert.equal(f.run("get foo\r\n"), "VALUE foo 5 3\r\nbar\r\nEND\r\n");
  assert.equal(f.run("gets foo\r\n"), "VALUE foo 5 3 1\r\nbar\r\nEND\r\n");
  assert.equal(f.run("get nope\r\n"), "END\r\n");
  assert.equal(f.run("set e 0 0 0\r\n\r\n"), "STORED\r\n");
  assert.equal(
    f.run("get e foo nope e\r\n"),
    "VALUE e 0 0\r\n\r\nVALUE foo 5 3\r\nbar\r\nVALUE e 0 0\r\n\r\nEND\r\n",
  );
  assert.equal(f.run("bget foo\r\n"), "VALUE foo 5 3\r\nbar\r\nEND\r\n");
  assert.equal(
    f.run("set big 4294967295 0 1\r\nx\r\nget big\r\n"),
    "STORED\r\nVALUE big 4294967295 1\r\nx\r\nEND\r\n",
  );
  clean(f);
});

Deno.test("memcached: add, replace, append, prepend", () => {
  const f = mcFixture();
  assert.equal(f.run("add k 1 0 1\r\na\r\n"), "STORED\r\n");
  assert.equal(f.run("add k 1 0 1\r\nb\r\n"), "NOT_STORED\r\n");
  assert.equal(f.run("replace nope 0 0 1\r\nx\r\n"), "NOT_STORED\r\n");
  assert.equal(f.run("replace k 2 0 2\r\nbc\r\n"), "STORED\r\n");
  assert.equal(f.run("append k 9 0 1\r\nd\r\n"), "STORED\r\n");
  assert.equal(f.run("prepend k 9 0 1\r\na\r\n"), "STORED\r\n");
  // append/prepend keep the old flags.
  assert.equal(f.run("get k\r\n"), "VALUE k 2 4\r\nabcd\r\nEND\r\n");
  assert.equal(f.run("append nope 0 0 1\r\nx\r\n"), "NOT_STORED\r\n");
  assert.equal(f.run("prepend nope 0 0 1\r\nx\r\n"), "NOT_STORED\r\n");
  clean(f);
});

Deno.test("memcached: cas", () => {
  const f = mcFixture();
  assert.equal(f.run("set k 0 0 1\r\na\r\n"), "STORED\r\n");
  assert.equal(f.run("gets k\r\n"), "VALUE k 0 1 1\r\na\r\nEND\r\n");
  assert.equal(f.run("cas k 0 0 1 2\r\nb\r\n"), "EXISTS\r\n");
  assert.equal(f.run("cas k 3 0 1 1\r\nc\r\n"), "STORED\r\n");
  assert.equal(f.run("gets k\r\n"), "VALUE k 3 1 2\r\nc\r\nEND\r\n");
  assert.equal(f.run("cas nope 0 0 1 1\r\nx\r\n"), "NOT_FOUND\r\n");
  assert.equal(f.run("cas k 0 0 1\r\nx\r\n"), "ERROR\r\nERROR\r\n");
  assert.equal(f.run("cas k 0 0 1 abc\r\n"), "CLIENT_ERROR bad command line format\r\n");
  assert.equal(f.run("cas k 0 0 1 99 noreply\r\nz\r\n"), "");
  const s = f.app.stats;
  assert.deepEqual([s.casHits, s.casBadval, s.casMisses], [1, 2, 1]);
  clean(f);
});

Deno.test("memcached: delete", () => {
  const f = mcFixture();
  f.run("set k 0 0 1\r\na\r\n");
  assert.equal(f.run("delete k\r\n"), "DELETED\r\n");
  assert.equal(f.run("delete k\r\n"), "NOT_FOUND\r\n");
  f.run("set k 0 0 1\r\na\r\n");
  assert.equal(f.run("delete k 0\r\n"), "DELETED\r\n");
  assert.equal(
    f.run("delete k 10\r\n"),
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n",
  );
  f.run("set k 0 0 1\r\na\r\n");
  assert.equal(f.run("delete k noreply\r\n"), "");
  assert.equal(f.run("get k\r\n"), "END\r\n");
  assert.equal(f.run("delete k 0 noreply\r\n"), "");
  assert.equal(f.run("delete k 10 noreply\r\n"), "");
  assert.equal(f.run("delete\r\n"), "ERROR\r\n");
  assert.equal(f.run("delete a b c d\r\n"), "ERROR\r\n");
  assert.equal(f.run(`delete ${"k".repeat(251)}\r\n`), "CLIENT_ERROR bad command line format\r\n");
  clean(f);
});

Deno.test("memcached: incr/decr", () => {
  const f = mcFixture();
  assert.equal(f.run("incr n 1\r\n"), "NOT_FOUND\r\n");
  f.run("set n 0 0 2\r\n10\r\n");
  assert.equal(f.run("incr n 5\r\n"), "15\r\n");
  assert.equal(f.run("decr n 100\r\n"), "0\r\n");
  // In-place update pads with spaces, like memcached.
  assert.equal(f.run("get n\r\n"), "VALUE n 0 2\r\n0 \r\nEND\r\n");
  assert.equal(f.run("incr n 123\r\n"), "123\r\n");
  assert.equal(f.run("get n\r\n"), "VALUE n 0 3\r\n123\r\nEND\r\n");
  f.run("set m 7 0 20\r\n18446744073709551615\r\n");
  assert.equal(f.run("incr m 1\r\n"), "0\r\n");
  assert.equal(f.run("incr m abc\r\n"), "CLIENT_ERROR invalid numeric delta argument\r\n");
  assert.equal(f.run("incr m -1\r\n"), "CLIENT_ERROR invalid numeric delta argument\r\n");
  f.run("set s 0 0 3\r\nabc\r\n");
  assert.equal(
    f.run("incr s 1\r\n"),
    "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
  );
  f.run("set z 0 0 0\r\n\r\n");
  assert.equal(
    f.run("decr z 1\r\n"),
    "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
  );
  assert.equal(f.run("incr n 1 noreply\r\n"), "");
  assert.equal(f.run("get n\r\n"), "VALUE n 0 3\r\n124\r\nEND\r\n");
  assert.equal(f.run("incr n\r\n"), "ERROR\r\n");
  const s = f.app.stats;
  assert.deepEqual([s.incrHits, s.incrMisses, s.decrHits, s.decrMisses], [4, 1, 1, 0]);
  clean(f);
});

Deno.test("memcached: touch, gat, gats", () => {
  const f = mcFixture();
  assert.equal(f.run("touch k 10\r\n"), "NOT_FOUND\r\n");
  f.run("set k 0 0 1\r\na\r\n");
  assert.equal(f.run("touch k 10\r\n"), "TOUCHED\r\n");
  assert.equal(f.run("touch k x\r\n"), "CLIENT_ERROR invalid exptime argument\r\n");
  assert.equal(f.run("touch k 10 noreply\r\n"), "");
  assert.equal(f.run("gat 100 k nope\r\n"), "VALUE k 0 1\r\na\r\nEND\r\n");
  assert.equal(f.run("gats 100 k\r\n"), "VALUE k 0 1 1\r\na\r\nEND\r\n");
  assert.equal(f.run("gat x k\r\n"), "CLIENT_ERROR invalid exptime argument\r\n");
  assert.equal(f.run("gat 10\r\n"), "END\r\n");
  clean(f);
});

Deno.test("memcached: flush_all, version, verbosity, quit", () => {
  const f = mcFixture();
  f.run("set a 0 0 1\r\na\r\nset b 0 0 1\r\nb\r\n");
  assert.equal(f.run("flush_all\r\n"), "OK\r\n");
  assert.equal(f.run("get a b\r\n"), "END\r\n");
  assert.equal(f.run("set c 0 0 1\r\nc\r\nget c\r\n"), "STORED\r\nVALUE c 0 1\r\nc\r\nEND\r\n");
  assert.equal(f.run("flush_all noreply\r\n"), "");
  assert.equal(f.run("get c\r\n"), "END\r\n");
  assert.equal(f.run("flush_all abc\r\n"), "CLIENT_ERROR invalid exptime argument\r\n");
  assert.equal(f.run("flush_all 0 noreply\r\n"), "");
  assert.equal(f.run("flush_all 1 2 3\r\n"), "ERROR\r\n");
  assert.equal(f.run("version\r\n"), `VERSION ${MEMCACHED_VERSION}\r\n`);
  assert.equal(f.run("verbosity 1\r\n"), "OK\r\n");
  assert.equal(f.run("verbosity x\r\n"), "CLIENT_ERROR bad command line format\r\n");
  assert.equal(f.run("verbosity 1 noreply\r\n"), "");
  assert.equal(f.run("verbosity\r\n"), "ERROR\r\n");
  assert.equal(f.run("shutdown\r\n"), "ERROR: shutdown not enabled\r\n");
  assert.equal(f.app.stats.cmdFlush, 4);
  assert.equal(f.run("version\r\nquit\r\nversion\r\n"), `VERSION ${MEMCACHED_VERSION}\r\n`);
  assert.ok(f.h.closed(f.conn));
  clean(f);
});

Deno.test("memcached: stats", () => {
  const f = mcFixture();
  f.run("set a 0 0 1\r\na\r\nget a b\r\n");
  const s = f.run("stats\r\n");
  assert.ok(s.startsWith("STAT pid 1\r\nSTAT uptime 0\r\nSTAT time 1511222400\r\n"), s);
  assert.ok(s.endsWith("END\r\n"));
  for (
    const l of [
      "STAT version 1.4.25",
      "STAT cmd_get 2",
      "STAT cmd_set 1",
      "STAT get_hits 1",
      "STAT get_misses 1",
      "STAT curr_items 1",
      "STAT total_items 1",
      "STAT curr_connections 1",
      "STAT limit_maxbytes 2097152",
      "STAT bytes 59", // 48-byte item header + "a" + NUL + " 0 1\r\n" + "a\r\n"
    ]
  ) assert.ok(s.includes(`${l}\r\n`), l);
  assert.equal(f.run("stats reset\r\n"), "RESET\r\n");
  assert.ok(f.run("stats\r\n").includes("STAT cmd_get 0\r\n"));
  assert.equal(f.run("stats nonsense\r\n"), "ERROR\r\n");
  assert.equal(f.run("stats detail\r\n"), "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
  assert.ok(f.run("stats settings\r\n").includes("STAT item_size_max 1048576\r\n"));
  const slabs = f.run("stats slabs\r\n");
  assert.ok(
    slabs.includes("STAT 1:chunk_size 96\r\n") && slabs.includes("STAT active_slabs 1\r\n"),
  );
  assert.equal(f.run("stats items\r\n"), "STAT items:1:number 1\r\nEND\r\n");
  clean(f);
});

Deno.test("memcached: noreply storage commands answer nothing", () => {
  const f = mcFixture();
  assert.equal(
    f.run(
      "set a 0 0 1 noreply\r\na\r\nadd a 0 0 1 noreply\r\nb\r\nreplace a 0 0 1 noreply\r\nc\r\n" +
        "append a 0 0 1 noreply\r\nd\r\nprepend a 0 0 1 noreply\r\ne\r\n",
    ),
    "",
  );
  assert.equal(f.run("get a\r\n"), "VALUE a 0 3\r\necd\r\nEND\r\n");
  // noreply also silences errors.
  assert.equal(f.run("set a 0 0 1 noreply\r\nabc\r\n"), "ERROR\r\n");
  clean(f);
});

Deno.test("memcached: protocol errors", () => {
  const f = mcFixture();
  assert.equal(f.run("bogus\r\n"), "ERROR\r\n");
  assert.equal(f.run("\r\n"), "ERROR\r\n");
  assert.equal(f.run("\n"), "ERROR\r\n");
  assert.equal(f.run("g\r\n"), "ERROR\r\n");
  assert.equal(f.run("get\r\n"), "ERROR\r\n");
  assert.equal(f.run("gets\r\n"), "ERROR\r\n");
  assert.equal(f.run("mg foo v\r\n"), "ERROR\r\n");
  assert.equal(f.run("set k 0 0\r\n"), "ERROR\r\n");
  assert.equal(f.run("set k 0 0 1 2 3\r\n"), "ERROR\r\n");
  assert.equal(f.run("set k x 0 1\r\n"), "CLIENT_ERROR bad command line format\r\n");
  assert.equal(f.run("set k 0 x 1\r\n"), "CLIENT_ERROR bad command line format\r\n");
  assert.equal(f.run("set k -1 0 1\r\n"), "CLIENT_ERROR bad command line format\r\n");
  assert.equal(f.run("set k 0 0 -1\r\n"), "CLIENT_ERROR bad command line format\r\n");
  assert.equal(f.run("set k 0 0 2147483646\r\n"), "CLIENT_ERROR bad command line format\r\n");
  // Too long a key: the data line is then read as a command.
  assert.equal(
    f.run(`set ${"k".repeat(251)} 0 0 1\r\na\r\n`),
    "CLIENT_ERROR bad command line format\r\nERROR\r\n",
  );
  assert.equal(f.run(`set ${"k".repeat(250)} 0 0 1\r\na\r\n`), "STORED\r\n");
  // A long key anywhere in a get discards the whole reply.
  f.run("set a 0 0 1\r\na\r\n");
  assert.equal(f.run(`get a ${"k".repeat(251)}\r\n`), "CLIENT_ERROR bad command line format\r\n");
  // A NUL byte ends the command line, like a C string.
  assert.equal(f.run("get a\0garbage\r\n"), "VALUE a 0 1\r\na\r\nEND\r\n");
  // Tabs belong to tokens; "get" followed by a tab is an unknown command.
  assert.equal(f.run("get\ta\r\n"), "ERROR\r\n");
  // Only a single trailing CR is stripped; LF-only lines work too.
  assert.equal(f.run("get a\n"), "VALUE a 0 1\r\na\r\nEND\r\n");
  assert.equal(f.run("  get   a  \r\n"), "VALUE a 0 1\r\na\r\nEND\r\n");
  clean(f);
});

Deno.test("memcached: bad data chunk consumes the block and keeps the connection", () => {
  const f = mcFixture();
  assert.equal(
    f.run("set k 0 0 3\r\nabcde\r\n"),
    "CLIENT_ERROR bad data chunk\r\nERROR\r\n",
  );
  assert.equal(f.run("get k\r\n"), "END\r\n");
  assert.equal(f.run("set k 0 0 1\r\nab\r\n"), "CLIENT_ERROR bad data chunk\r\nERROR\r\n");
  assert.equal(f.app.stats.cmdSet, 2);
  assert.equal(f.run("set k 0 0 1\r\na\r\nget k\r\n"), "STORED\r\nVALUE k 0 1\r\na\r\nEND\r\n");
  assert.equal(f.app.store.slabs.totalInUse, 1);
  clean(f);
});

Deno.test("memcached: too large values are swallowed and drop the old value", () => {
  const f = mcFixture();
  f.run("set big 0 0 1\r\nx\r\n");
  const mb = 1024 * 1024;
  assert.equal(
    f.run(`set big 0 0 ${mb}\r\n${"v".repeat(mb)}\r\nget big\r\n`),
    "SERVER_ERROR object too large for cache\r\nEND\r\n",
  );
  // The largest value that fits: item size max minus memcached's item overhead.
  const fits = mb - (48 + 3 + 1 + " 0 1048523\r\n".length + 2);
  assert.equal(f.run(`set big 0 0 ${fits}\r\n${"v".repeat(fits)}\r\n`), "STORED\r\n");
  assert.equal(
    f.run(`add big2 0 0 ${fits + 1}\r\n${"v".repeat(fits + 1)}\r\nversion\r\n`).split("\r\n")[0],
    "SERVER_ERROR object too large for cache",
  );
  assert.equal(f.app.stats.storeTooLarge, 2);
  clean(f);
});

Deno.test("memcached: overlong lines close the connection, multigets do not", () => {
  const f = mcFixture();
  assert.equal(f.run(`get ${"k ".repeat(1500)}\r\n`), "END\r\n");
  assert.ok(!f.h.closed(f.conn));
  assert.equal(f.run(`${"x".repeat(2049)}\r\nversion\r\n`), "");
  assert.ok(f.h.closed(f.conn));
  const c2 = f.h.open(11211);
  f.h.feed(c2, "version\r\n" + "y".repeat(3000));
  assert.equal(f.h.output(c2), `VERSION ${MEMCACHED_VERSION}\r\n`);
  assert.ok(f.h.closed(c2));
  clean(f);
});

Deno.test("memcached: an HTTP request closes the connection without a reply", () => {
  const f = mcFixture();
  assert.equal(f.run("GET / HTTP/1.1\r\n"), "");
  assert.ok(f.h.closed(f.conn));
  clean(f);
});

Deno.test("memcached: pipelined requests answered in order in one send", () => {
  const f = mcFixture();
  f.h.feed(f.conn, "set a 0 0 1\r\n1\r\nget a\r\nincr a 1\r\ndelete a\r\nget a\r\nversion\r\n");
  assert.equal(f.h.sends(f.conn), 1);
  assert.equal(
    f.h.take(f.conn),
    `STORED\r\nVALUE a 0 1\r\n1\r\nEND\r\n2\r\nDELETED\r\nEND\r\nVERSION ${MEMCACHED_VERSION}\r\n`,
  );
  f.h.ack(f.conn);
  clean(f);
});

Deno.test("memcached: remote close and cleanup release everything", () => {
  const f = mcFixture();
  f.h.feed(f.conn, "set a 0 0 5\r\nhello\r\nget a\r\nset b 0 0 10\r\nhal");
  assert.equal(f.app.store.slabs.totalInUse, 2); // a, and b in progress
  f.h.remoteClose(f.conn);
  assert.ok(f.h.closed(f.conn));
  assert.equal(f.app.store.slabs.totalInUse, 1);
  f.h.cleanup(f.conn);
  assert.equal(f.app.connections, 0);
  assert.equal(f.app.stats.currConnections, 0);
  assert.equal(f.app.scratch.totalInUse, 0);
  // a's chunk: only the table's reference is left.
  assert.equal(f.app.store.peek("a")!.block.refs, 1);
  clean(f);
});

Deno.test("memcached: data after quit or close is released, not processed", () => {
  const f = mcFixture();
  f.run("quit\r\n");
  f.h.feed(f.conn, "version\r\n");
  assert.equal(f.h.output(f.conn), "");
  clean(f);
});

Deno.test("memcached: configuration is validated; a host-provided region is used in place", () => {
  const now = () => 0;
  assert.throws(() => new MemcachedApp({} as never), /now/);
  assert.throws(() => new MemcachedApp({ now, itemLockCount: 3 }), /power of two/);
  assert.throws(() => new MemcachedApp({ now, memLimit: 1000 }), RangeError);
  assert.throws(() => new MemcachedApp({ now, lruLock: "x" as never }), /lruLock/);
  const cfg = { now, memLimit: 1 << 20, scratchBytes: 1 << 16, memoryBase: 4096 };
  const need = memcachedMemoryBytes(resolveMemcachedConfig(cfg));
  assert.throws(() => new MemcachedApp({ ...cfg, memory: new ByteArena(need) }), /needs/);
  const region = new ByteArena(4096 + need, "region");
  const app = new MemcachedApp({ ...cfg, memory: region });
  const h = new AppHarness(app, new ImmediateContext());
  h.start();
  const c = h.open(11211);
  h.feed(c, "set k 0 0 2\r\nhi\r\nget k\r\n");
  assert.equal(h.output(c), "STORED\r\nVALUE k 0 2\r\nhi\r\nEND\r\n");
  const refs = h.lastRefs(c);
  assert.ok(refs.every((r) => r.mem === region && r.off >= 4096));
  h.ack(c);
  assert.deepEqual(h.violations, []);
});

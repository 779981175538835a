import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { BYTEWISE, type FeedOptions, mcFixture } from "../common/testing.ts";

/** Every command and error path, pipelined into one stream. */
const SCRIPT = [
  "set foo 5 0 3\r\nbar\r\n",
  "get foo nope foo\r\n",
  "gets foo\r\n",
  "add foo 0 0 1\r\nx\r\nadd new 0 0 2\r\nab\r\n",
  "replace nope 0 0 1\r\nx\r\nreplace foo 7 0 4\r\nbarz\r\n",
  "append foo 0 0 2\r\n!!\r\nprepend foo 0 0 2\r\n<<\r\nget foo\r\n",
  "cas foo 0 0 1 999\r\nc\r\ncas foo 0 0 1 5\r\nc\r\ncas nope 0 0 1 1\r\nc\r\n",
  "set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nget n\r\nincr n 12345\r\nincr x 1\r\n",
  "incr foo 1\r\nincr n abc\r\ndecr n\r\n",
  "touch foo 100\r\ntouch nope 1\r\ntouch foo x\r\ngat 10 foo\r\ngats 10 foo nope\r\n",
  "delete foo\r\ndelete foo\r\ndelete new 0\r\ndelete n 5\r\ndelete n noreply\r\n",
  "set q 0 0 1 noreply\r\nq\r\nget q\r\n",
  "set bad 0 0 3\r\nabcde\r\n",
  `set ${"k".repeat(251)} 0 0 1\r\na\r\n`,
  `get a ${"k".repeat(251)}\r\n`,
  `get ${"m ".repeat(1200)}\r\n`,
  "set k x 0 1\r\nset k 0 0 -1\r\nset k 0 0\r\n",
  "bogus\r\n\r\n\n  \r\nmg a\r\nget\r\n",
  "get a\0junk\r\nget\ta\r\n",
  `set big 0 0 1048577\r\n${"v".repeat(1048577)}\r\n`,
  "flush_all 0\r\nget q\r\nflush_all x\r\nflush_all noreply\r\n",
  "version\r\nverbosity 1\r\nstats reset\r\nstats nonsense\r\nstats detail\r\n",
  "shutdown\r\nstats items\r\n",
  "set last 0 0 5\r\nlast!\r\nget last\r\nquit\r\nversion\r\n",
].join("");

function runScript(opts: FeedOptions): { out: string; closed: boolean } {
  const f = mcFixture();
  f.h.feed(f.conn, SCRIPT, opts);
  f.h.ack(f.conn);
  assert.deepEqual(f.h.violations, []);
  assert.deepEqual(f.ctx.orderViolations, []);
  return { out: f.h.output(f.conn), closed: f.h.closed(f.conn) };
}

Deno.test("memcached: output does not depend on segmentation", () => {
  const whole = runScript({});
  assert.ok(whole.closed);
  assert.ok(whole.out.endsWith("VALUE last 0 5\r\nlast!\r\nEND\r\n"));
  // Byte by byte, 64 one-byte segments per event.
  assert.deepEqual(runScript({ segments: BYTEWISE, refsPerEvent: 64 }), whole);
  const rng = new Rng(7, "mc-split");
  for (let k = 0; k < 5; k++) {
    const segs = Array.from({ length: 97 }, () => 1 + rng.int(k < 2 ? 16 : 3000));
    assert.deepEqual(runScript({ segments: segs, refsPerEvent: 1 + rng.int(4) }), whole);
  }
});

Deno.test("memcached: expected replies of the split script", () => {
  const { out } = runScript({});
  const expected = [
    "STORED\r\n",
    "VALUE foo 5 3\r\nbar\r\nVALUE foo 5 3\r\nbar\r\nEND\r\n",
    "VALUE foo 5 3 1\r\nbar\r\nEND\r\n",
    "NOT_STORED\r\nSTORED\r\n",
    "NOT_STORED\r\nSTORED\r\n",
    "STORED\r\nSTORED\r\nVALUE foo 7 8\r\n<<barz!!\r\nEND\r\n",
    "EXISTS\r\nSTORED\r\nNOT_FOUND\r\n",
    "STORED\r\n15\r\n0\r\nVALUE n 0 2\r\n0 \r\nEND\r\n12345\r\nNOT_FOUND\r\n",
    "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n" +
    "CLIENT_ERROR invalid numeric delta argument\r\nERROR\r\n",
    "TOUCHED\r\nNOT_FOUND\r\nCLIENT_ERROR invalid exptime argument\r\n" +
    "VALUE foo 0 1\r\nc\r\nEND\r\nVALUE foo 0 1 6\r\nc\r\nEND\r\n",
    "DELETED\r\nNOT_FOUND\r\nDELETED\r\n" +
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n",
    "VALUE q 0 1\r\nq\r\nEND\r\n",
    "CLIENT_ERROR bad data chunk\r\nERROR\r\n",
    "CLIENT_ERROR bad command line format\r\nERROR\r\n",
    "CLIENT_ERROR bad command line format\r\n",
    "END\r\n",
    "CLIENT_ERROR bad command line format\r\nCLIENT_ERROR bad command line format\r\nERROR\r\n",
    "ERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\n",
    "END\r\nERROR\r\n",
    "SERVER_ERROR object too large for cache\r\n",
    "OK\r\nEND\r\nCLIENT_ERROR invalid exptime argument\r\n",
    "VERSION 1.4.25\r\nOK\r\nRESET\r\nERROR\r\nCLIENT_ERROR usage: stats detail on|off|dump\r\n",
    "ERROR: shutdown not enabled\r\nEND\r\n",
    "STORED\r\nVALUE last 0 5\r\nlast!\r\nEND\r\n",
  ].join("");
  assert.equal(out, expected);
});

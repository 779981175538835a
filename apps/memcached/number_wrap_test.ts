/**
 * Command fields parsed as real memcached parses them: safe_strtol stores a
 * 64-bit strtol result into an int32_t without a range check, so exptime and
 * the value length wrap modulo 2^32 (util.c safe_strtol; proto_text.c
 * process_update_command, process_touch_command). A negative exptime means
 * "already expired".
 */
import assert from "node:assert/strict";
import { mcFixture } from "../common/testing.ts";

Deno.test("memcached numbers: a value length of 2^32 + 1 wraps to 1 (STORED, 1-byte value)", () => {
  const f = mcFixture();
  assert.equal(f.run("set b 0 0 4294967297\r\nx\r\n"), "STORED\r\n");
  assert.equal(f.run("get b\r\n"), "VALUE b 0 1\r\nx\r\nEND\r\n");
  // 2^32 wraps to 0: an empty value.
  assert.equal(f.run("set z 0 0 4294967296\r\n\r\n"), "STORED\r\n");
  assert.equal(f.run("get z\r\n"), "VALUE z 0 0\r\n\r\nEND\r\n");
  // -(2^32 - 2) wraps to 2.
  assert.equal(f.run("set m 0 0 -4294967294\r\nab\r\n"), "STORED\r\n");
  assert.equal(f.run("get m\r\n"), "VALUE m 0 2\r\nab\r\nEND\r\n");
});

Deno.test("memcached numbers: value lengths that wrap negative or past INT_MAX - 2 are rejected", () => {
  const f = mcFixture();
  const bad = "CLIENT_ERROR bad command line format\r\n";
  assert.equal(f.run("set k 0 0 4294967295\r\n"), bad); // -1
  assert.equal(f.run("set k 0 0 2147483648\r\n"), bad); // -2^31
  assert.equal(f.run("set k 0 0 6442450943\r\n"), bad); // 2^31 - 1 + 2^32 > INT_MAX - 2
  assert.equal(f.run("set k 0 0 9223372036854775807\r\n"), bad); // LONG_MAX wraps to -1
  assert.equal(f.run("set k 0 0 9223372036854775808\r\n"), bad); // ERANGE
  assert.equal(f.run("get k\r\n"), "END\r\n");
});

Deno.test("memcached numbers: an exptime of 2^31 wraps negative: STORED, already expired", () => {
  const f = mcFixture();
  assert.equal(f.run("set e 0 2147483648 1\r\nx\r\n"), "STORED\r\n");
  assert.equal(f.run("get e\r\n"), "END\r\n");
  // 2^32 + 10 wraps to 10 seconds: alive.
  assert.equal(f.run("set t 0 4294967306 1\r\ny\r\n"), "STORED\r\n");
  assert.equal(f.run("get t\r\n"), "VALUE t 0 1\r\ny\r\nEND\r\n");
  // 2^31 - 1 (the largest int32) parses as it is; just past LONG_MAX does not.
  assert.equal(f.run("set p 0 2147483647 1\r\nz\r\n"), "STORED\r\n");
  assert.equal(
    f.run("set q 0 9223372036854775808 1\r\n"),
    "CLIENT_ERROR bad command line format\r\n",
  );
});

Deno.test("memcached numbers: touch with an exptime of 2^31 is TOUCHED and expires the item", () => {
  const f = mcFixture();
  assert.equal(f.run("set a 0 0 1\r\na\r\n"), "STORED\r\n");
  assert.equal(f.run("touch a 2147483648\r\n"), "TOUCHED\r\n");
  assert.equal(f.run("get a\r\n"), "END\r\n");
  assert.equal(f.run("touch a 2147483648\r\n"), "NOT_FOUND\r\n");
  // gat parses its exptime the same way.
  assert.equal(f.run("set g 0 0 1\r\ng\r\n"), "STORED\r\n");
  assert.equal(f.run("gat 4294967306 g\r\n"), "VALUE g 0 1\r\ng\r\nEND\r\n");
  assert.equal(f.run("get g\r\n"), "VALUE g 0 1\r\ng\r\nEND\r\n");
  assert.equal(
    f.run("touch a 9223372036854775808\r\n"),
    "CLIENT_ERROR invalid exptime argument\r\n",
  );
});

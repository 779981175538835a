import assert from "node:assert/strict";
import { latin1Bytes } from "../common/testing.ts";
import { NumberParser } from "./numbers.ts";
import { cStringEnd, MAX_TOKENS, tokenize, Tokens } from "./tokenize.ts";

const p = new NumberParser();
const b = (s: string) => latin1Bytes(s);
const i32 = (s: string) => p.i32(b(s), 0, s.length);
const u32 = (s: string) => p.u32(b(s), 0, s.length);
const u64 = (s: string) => p.u64(b(s), 0, s.length);

Deno.test("numbers: safe_strtol semantics", () => {
  assert.equal(i32("0"), 0);
  assert.equal(i32("42"), 42);
  assert.equal(i32("+7"), 7);
  assert.equal(i32("-5"), -5);
  assert.equal(i32("\t 9"), 9); // leading white space is skipped
  assert.equal(i32("9\t"), 9); // trailing white space ends the number
  assert.equal(i32("2147483647"), 2147483647);
  // Stored into an int32_t with no range check: wraps modulo 2^32 both ways.
  assert.equal(i32("2147483648"), -2147483648);
  assert.equal(i32("4294967295"), -1);
  assert.equal(i32("4294967296"), 0);
  assert.equal(i32("4294967297"), 1);
  assert.equal(i32("-4294967295"), 1);
  assert.equal(i32("999999999999999"), -1530494977); // 15 digits (fast path)
  assert.equal(i32("1000000000000000"), -1530494976); // 16 digits (BigInt path)
  assert.equal(i32("9223372036854775807"), -1); // LONG_MAX
  assert.equal(i32("-9223372036854775808"), 0); // LONG_MIN
  assert.equal(i32("9223372036854775808"), null); // ERANGE
  assert.equal(i32("-9223372036854775809"), null); // ERANGE
  assert.equal(i32("-0"), 0);
  assert.equal(i32("-2147483648"), -2147483648);
  assert.equal(i32("-2147483649"), 2147483647); // stored into int32: wraps
  assert.equal(i32("99999999999999999999"), null); // ERANGE
  assert.equal(i32(""), null);
  assert.equal(i32("-"), null);
  assert.equal(i32("1x"), null);
  assert.equal(i32("x1"), null);
  assert.equal(p.i32(b("12\0zz"), 0, 5), 12); // NUL ends the C string
});

Deno.test("numbers: safe_strtoul (flags) and safe_strtoull", () => {
  assert.equal(u32("4294967295"), 4294967295);
  assert.equal(u32("4294967296"), 0); // 64-bit unsigned long truncated into uint32_t
  assert.equal(u32("-1"), null);
  assert.equal(u32("-0"), 0);
  assert.equal(u64("18446744073709551615"), 18446744073709551615n);
  assert.equal(u64("18446744073709551616"), null);
  assert.equal(u64("-1"), null);
  assert.equal(u64("-18446744073709551615"), 1n); // strtoull negates; not "negative" as signed
  assert.equal(u64("9223372036854775807"), 9223372036854775807n);
  assert.equal(u64("12 34"), 12n); // white space after the digits ends the number (item data)
  assert.equal(u64("12\r\n"), 12n);
  assert.equal(u64("  7"), 7n);
  assert.equal(u64("abc"), null);
});

Deno.test("tokenize: memcached token counts and the terminal token", () => {
  const t = new Tokens();
  const line = b("  get  a b ");
  assert.equal(tokenize(line, 0, line.length, t), 4);
  assert.deepEqual([t.len(0), t.len(1), t.len(2), t.len(3)], [3, 1, 1, 0]);
  assert.equal(t.rest, -1);
  assert.equal(tokenize(line, 0, 0, t), 1);
  const many = b(Array.from({ length: 30 }, (_, i) => `k${i}`).join(" "));
  assert.equal(tokenize(many, 0, many.length, t), MAX_TOKENS);
  assert.ok(t.rest > 0);
  assert.equal(String.fromCharCode(...many.subarray(t.rest, t.rest + 3)), "k23");
  assert.equal(tokenize(many, t.rest, many.length, t), 8);
  assert.equal(t.rest, -1);
  const nul = b("get a\0b");
  assert.equal(cStringEnd(nul, 0, nul.length), 5);
});

import assert from "node:assert/strict";
import { latin1Bytes } from "../common/testing.ts";
import { isValidHost } from "./host.ts";

const valid = (s: string) => isValidHost(latin1Bytes(s), 0, s.length);

Deno.test("host: reg-name, IPv4 and ports (RFC 3986 3.2.2, 3.2.3)", () => {
  for (
    const s of [
      "",
      "x",
      "example.com",
      "example.com:80",
      "a:",
      "10.0.0.2:8080",
      "a-b_c~d.e",
      "a%20b",
      "a,b", // sub-delims are reg-name characters
      "!$&'()*+;=",
      "999.1.1.1", // not an IPv4address, but a valid reg-name
    ]
  ) assert.ok(valid(s), s);
  for (
    const s of [
      "a b",
      "a/b",
      "a:x",
      "a, b",
      "a:80:80",
      "a@b",
      "a%2",
      "a%zz",
      "a?b",
      "a#b",
      ":80x",
      "a\tb",
      "\u00e9",
    ]
  ) assert.ok(!valid(s), s);
});

Deno.test("host: IP literals (IPv6 per RFC 4291 2.2, IPvFuture)", () => {
  for (
    const s of [
      "[::]",
      "[::1]",
      "[::1]:8080",
      "[1:2:3:4:5:6:7:8]",
      "[1::8]",
      "[fe80::1:2]",
      "[::ffff:10.0.0.2]",
      "[1:2:3:4:5:6:10.0.0.2]",
      "[v1.x:y]",
      "[V1F.a]",
    ]
  ) assert.ok(valid(s), s);
  for (
    const s of [
      "[]",
      "[::1",
      "::1",
      "[::1]x",
      "[::1]:x",
      "[1:2:3:4:5:6:7]",
      "[1:2:3:4:5:6:7:8:9]",
      "[1::2::3]",
      "[12345::]",
      "[1:]",
      "[:1]",
      "[1:2:3:4:5:6:7:10.0.0.2]",
      "[::10.0.0.256]",
      "[::10.0.0.02]",
      "[::10.0.0]",
      "[g::]",
      "[v.x]",
      "[v1.]",
      "[v1x]",
    ]
  ) assert.ok(!valid(s), s);
});

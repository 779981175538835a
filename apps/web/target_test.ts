import assert from "node:assert/strict";
import { latin1 } from "../common/ascii.ts";
import { latin1Bytes } from "../common/testing.ts";
import { TargetNormalizer } from "./target.ts";

const n = new TargetNormalizer(64, latin1Bytes("index.html"));
function norm(t: string): string | null {
  const b = latin1Bytes(t);
  const len = n.normalize(b, 0, b.length);
  return len < 0 ? null : latin1(n.out, 0, len);
}

Deno.test("target normalisation", () => {
  assert.equal(norm("/"), "/index.html");
  assert.equal(norm("/a/b"), "/a/b");
  assert.equal(norm("/a/b/"), "/a/b/index.html");
  assert.equal(norm("/a//b///c"), "/a/b/c");
  assert.equal(norm("/a/./b/../c"), "/a/c");
  assert.equal(norm("/a/.."), "/index.html");
  assert.equal(norm("/a/b/."), "/a/b/index.html");
  assert.equal(norm("/.."), null);
  assert.equal(norm("/a/../.."), null);
  assert.equal(norm("/%41%2fb"), "/A/b");
  assert.equal(norm("/%4"), null);
  assert.equal(norm("/%g0"), null);
  assert.equal(norm("/%00"), null);
  assert.equal(norm("/a?b/../.."), "/a");
  assert.equal(norm("/a#frag"), "/a");
  assert.equal(norm("http://h"), "/index.html");
  assert.equal(norm("http://h?q"), "/index.html");
  assert.equal(norm("Http://h:80/x"), "/x");
  assert.equal(norm("http://"), null);
  assert.equal(norm("mailto:x"), null);
  assert.equal(norm(""), null);
  assert.equal(norm("/" + "a".repeat(100)), null); // longer than the buffer
});

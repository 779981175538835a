import assert from "node:assert/strict";
import { CATEGORIES, categoryIndex, plainLocks } from "./work.ts";

Deno.test("categoryIndex agrees with CATEGORIES and rejects other strings", () => {
  CATEGORIES.forEach((c, i) => assert.equal(categoryIndex(c), i));
  for (const s of ["", "NIC", "tcp", "idle", "lock spin", "toString", "__proto__"]) {
    assert.equal(categoryIndex(s), -1);
  }
});

Deno.test("plainLocks memoises by name", () => {
  const f = plainLocks();
  assert.equal(f("a"), f("a"));
  assert.equal(f("a").name, "a");
  assert.notEqual(f("a"), f("b"));
});

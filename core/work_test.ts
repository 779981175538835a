import assert from "node:assert/strict";
import { CATEGORIES, categoryIndex } from "./work.ts";

Deno.test("categoryIndex agrees with CATEGORIES and rejects other strings", () => {
  CATEGORIES.forEach((c, i) => assert.equal(categoryIndex(c), i));
  for (const s of ["", "NIC", "tcp", "idle", "lock spin", "toString", "__proto__"]) {
    assert.equal(categoryIndex(s), -1);
  }
});

import assert from "node:assert/strict";
import { STACK_OPS, stackOpIndex } from "./ops.ts";

Deno.test("stackOpIndex: every op maps to its position in STACK_OPS; unknown names to -1", () => {
  STACK_OPS.forEach((op, i) => assert.equal(stackOpIndex(op), i, op));
  assert.equal(stackOpIndex("tcp"), -1);
  assert.equal(stackOpIndex(""), -1);
});

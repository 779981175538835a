import assert from "node:assert/strict";
import { textTable } from "./text.ts";

Deno.test("textTable pads columns and right-aligns numbers", () => {
  assert.equal(
    textTable(["mode", "req/s", "note"], [["dlibos", "4,200,000", "x"], ["rtc", "12.5", "-"]]),
    [
      "mode        req/s  note",
      "------  ---------  ----",
      "dlibos  4,200,000  x",
      "rtc          12.5  -",
    ].join("\n"),
  );
  assert.equal(textTable(["a", "b"], [["1", "2"]], ["left", "left"]), "a  b\n-  -\n1  2");
});

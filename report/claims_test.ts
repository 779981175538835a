import assert from "node:assert/strict";
import {
  checkNumericClaim,
  checkWithin,
  claimById,
  claimRows,
  notYet,
  PAPER_CLAIMS,
  relativeDifference,
} from "./claims.ts";

Deno.test("claim ids are unique and the assignment's claims are all there", () => {
  const ids = PAPER_CLAIMS.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (
    const id of [
      "netpipe-64b-dlibos",
      "netpipe-64b-linux",
      "webserver-dlibos",
      "memcached-dlibos",
      "protection-cost",
      "rtc-vs-dlibos",
      "linux-sla",
      "kernel-lock-25pct",
      "rtc-cores",
      "fairness",
    ]
  ) assert.ok(claimById(id), id);
});

Deno.test("numeric paper figures match the reference facts", () => {
  assert.equal(claimById("netpipe-64b-dlibos")?.paper.value, 6);
  assert.equal(claimById("netpipe-64b-linux")?.paper.value, 31);
  assert.equal(claimById("webserver-dlibos")?.paper.value, 4_200_000);
  assert.equal(claimById("memcached-dlibos")?.paper.value, 3_100_000);
  assert.equal(claimById("kernel-lock-25pct")?.paper.value, 25);
  assert.equal(claimById("rtc-cores")?.paper.value, 36);
});

Deno.test("checkWithin uses a relative tolerance", () => {
  assert.equal(checkWithin(6.5, 6, 0.1), true);
  assert.equal(checkWithin(6.7, 6, 0.1), false);
  assert.equal(checkWithin(5.4, 6, 0.1), true);
  assert.equal(checkWithin(NaN, 6, 0.1), false);
  assert.throws(() => checkWithin(1, 1, -0.1), RangeError);
  assert.equal(relativeDifference(3, 0), null);
  assert.equal(relativeDifference(9, 6), 0.5);
});

Deno.test("checkNumericClaim decides from the measured value", () => {
  const ok = checkNumericClaim("netpipe-64b-dlibos", 6.3, 0.25, "median of 1000 round trips");
  assert.equal(ok.holds, true);
  assert.match(ok.note, /ours 6\.3 us vs paper 6 us \(\+5\.0%, tolerance ±25\.0%\)/);
  assert.match(ok.note, /median of 1000/);
  assert.equal(checkNumericClaim("netpipe-64b-dlibos", 12, 0.25).holds, false);
  assert.throws(() => checkNumericClaim("nope", 1, 0.1), /unknown claim/);
  assert.throws(() => checkNumericClaim("fairness", 1, 0.1), /no numeric figure/);
});

Deno.test("claimRows lists every claim, not-yet where unchecked", () => {
  const rows = claimRows([
    { id: "netpipe-64b-linux", ours: 29.5, holds: true, note: "a" },
    { id: "extra-claim", ours: "x", holds: false, note: "b" },
  ]);
  assert.equal(rows.length, PAPER_CLAIMS.length + 1);
  const linux = rows.find((r) => r.id === "netpipe-64b-linux")!;
  assert.equal(linux.holds, "yes");
  assert.equal(linux.ours, "29.5 us");
  assert.equal(rows.find((r) => r.id === "fairness")!.holds, "not yet");
  assert.equal(rows.at(-1)!.id, "extra-claim");
  assert.equal(rows.at(-1)!.holds, "no");
});

Deno.test("claimRows with include checked lists only checked claims; last check wins", () => {
  const rows = claimRows([
    notYet("linux-sla"),
    { id: "linux-sla", ours: "p99 > 500 us at all loads", holds: true, note: "" },
  ], { include: "checked" });
  assert.deepEqual(rows.map((r) => [r.id, r.holds]), [["linux-sla", "yes"]]);
});

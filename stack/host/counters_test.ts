import assert from "node:assert/strict";
import { emptyLossCounters, formatLoss, lossFields, totalLoss } from "./counters.ts";

Deno.test("loss counters: totals, flat result fields in a fixed order, one summary line", () => {
  const c = emptyLossCounters();
  c.retransmits = 3;
  c.rtoExpiries = 1;
  c.drops["tcp:out_of_window"] = 2;
  c.drops["nic-rx:no_buffer"] = 5;
  assert.equal(totalLoss(c), 7);
  assert.deepEqual(Object.keys(lossFields(c)), [
    "retransmits",
    "rtoExpiries",
    "txDeferred",
    "drops",
    "drops.nic-rx:no_buffer",
    "drops.tcp:out_of_window",
  ]);
  assert.equal(
    formatLoss(c),
    "drops 7 (nic-rx:no_buffer 5, tcp:out_of_window 2), retransmits 3, RTO expiries 1, egress waits 0",
  );
  assert.equal(
    formatLoss(emptyLossCounters()),
    "drops 0, retransmits 0, RTO expiries 0, egress waits 0",
  );
});

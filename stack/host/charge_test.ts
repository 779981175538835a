import assert from "node:assert/strict";
import { Core, type CoreContext } from "../../core/executor.ts";
import { Scheduler } from "../../core/scheduler.ts";
import { Clock } from "../../core/time.ts";
import { TILEGX_COSTS } from "../../hw/costs/tilegx.ts";
import type { StackOp } from "../../hw/costs/ops.ts";
import { STACK_OP_CATEGORY, StackCharger } from "./charge.ts";

Deno.test("StackCharger: charges the op's table cost times units under the op's category", () => {
  const sched = new Scheduler();
  const core = new Core(sched, new Clock(1_200_000_000), 0);
  const charger = new StackCharger(TILEGX_COSTS);
  core.submit((ctx: CoreContext) => {
    charger.ctx = ctx;
    charger.charge("tcp_rx");
    charger.charge("checksum_byte", 64);
    charger.charge("eth_tx", 2);
    charger.ctx = null;
  });
  sched.runUntil(1e12);
  assert.equal(STACK_OP_CATEGORY.tcp_rx, "tcp-rx");
  assert.equal(core.cyclesIn("tcp-rx"), TILEGX_COSTS.tcp_rx + 64 * TILEGX_COSTS.checksum_byte);
  assert.equal(core.cyclesIn("nic"), 2 * TILEGX_COSTS.eth_tx);
});

Deno.test("StackCharger: charging outside a work item or an unknown op throws", () => {
  const charger = new StackCharger(TILEGX_COSTS);
  assert.throws(() => charger.charge("tcp_rx"), /outside a work item/);
  const sched = new Scheduler();
  const core = new Core(sched, new Clock(1_000_000_000), 0);
  let err: unknown = null;
  core.submit((ctx: CoreContext) => {
    charger.ctx = ctx;
    try {
      charger.charge("bogus" as StackOp);
    } catch (e) {
      err = e;
    }
  });
  assert.match(String(err), /unknown stack operation "bogus"/);
});

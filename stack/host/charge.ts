/**
 * Turns the stack's `charge(op, units)` calls into cycles on the core that is
 * running the stack, using a platform cost table, and files them under the
 * profiling categories of core/work.ts.
 */
import { type Category, categoryIndex } from "../../core/work.ts";
import type { CoreContext } from "../../core/executor.ts";
import type { Accounting } from "../accounting.ts";
import { STACK_OPS, type StackOp, stackOpIndex } from "../../hw/costs/ops.ts";

/** Which profiling category each stack operation's cycles are filed under. */
export const STACK_OP_CATEGORY: Readonly<Record<StackOp, Category>> = Object.freeze({
  eth_rx: "nic",
  eth_tx: "nic",
  arp: "tcp-rx",
  ip_rx: "tcp-rx",
  ip_tx: "tcp-tx",
  icmp: "tcp-rx",
  flow_lookup: "tcp-rx",
  tcp_rx: "tcp-rx",
  tcp_tx: "tcp-tx",
  tcp_timer: "timers",
  tcp_conn: "tcp-rx",
  checksum_byte: "tcp-rx",
  copy_byte: "copy",
  reassembly: "tcp-rx",
});

/**
 * Accounting bound to whichever work item is running: the host sets `ctx` at
 * the start of every work item that may call into the stack.
 *
 * Each operation's category (as an executor index) and per-unit cost are read
 * once, at construction, into arrays indexed by {@link stackOpIndex}, so a
 * charge does no keyed lookup by string.
 */
export class StackCharger implements Accounting {
  ctx: CoreContext | null = null;
  private readonly category = new Int32Array(STACK_OPS.length);
  private readonly cycles = new Float64Array(STACK_OPS.length);

  constructor(costs: Readonly<Record<StackOp, number>>) {
    for (const op of STACK_OPS) {
      const k = stackOpIndex(op);
      this.category[k] = categoryIndex(STACK_OP_CATEGORY[op]);
      this.cycles[k] = costs[op];
    }
  }

  charge(op: StackOp, units = 1): void {
    const ctx = this.ctx;
    if (ctx === null) throw new Error(`stack charged "${op}" outside a work item`);
    const k = stackOpIndex(op);
    if (k < 0) throw new RangeError(`unknown stack operation "${op}"`);
    ctx.chargeIndex(this.category[k], this.cycles[k] * units);
  }
}

/**
 * Turns the stack's `charge(op, units)` calls into cycles on the core that is
 * running the stack, using a platform cost table, and files them under the
 * profiling categories of core/work.ts.
 */
import { type Category, categoryIndex } from "../../core/work.ts";
import type { CoreContext } from "../../core/executor.ts";
import type { Accounting, StackOp } from "../accounting.ts";

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

/** One stack operation's charge: its category (as an executor index) and cycles per unit. */
class OpCharge {
  readonly category: number = 0;
  readonly cycles: number = 0;
  constructor(category: Category, cycles: number) {
    this.category = categoryIndex(category);
    this.cycles = cycles;
  }
}

/**
 * Accounting bound to whichever work item is running: the host sets `ctx` at
 * the start of every work item that may call into the stack.
 *
 * The category and per-unit cost of every operation are read once, at
 * construction, into one table (cost tables are frozen), so a charge does a
 * single keyed lookup instead of one per table, and the category is charged
 * by its executor index (no second string lookup).
 */
export class StackCharger implements Accounting {
  ctx: CoreContext | null = null;
  private readonly ops: Readonly<Record<string, OpCharge>>;

  constructor(costs: Readonly<Record<StackOp, number>>) {
    const ops: Record<string, OpCharge> = {};
    for (const op of Object.keys(STACK_OP_CATEGORY) as StackOp[]) {
      ops[op] = new OpCharge(STACK_OP_CATEGORY[op], costs[op]);
    }
    this.ops = ops;
  }

  charge(op: StackOp, units = 1): void {
    const ctx = this.ctx;
    if (ctx === null) throw new Error(`stack charged "${op}" outside a work item`);
    const e = this.ops[op];
    if (e === undefined) throw new RangeError(`unknown stack operation "${op}"`);
    ctx.chargeIndex(e.category, e.cycles * units);
  }
}

/**
 * Turns the stack's `charge(op, units)` calls into cycles on the core that is
 * running the stack, using a platform cost table, and files them under the
 * profiling categories of core/work.ts.
 */
import type { Category, WorkContext } from "../../core/work.ts";
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

/**
 * Accounting bound to whichever work item is running: the host sets `ctx` at
 * the start of every work item that may call into the stack.
 */
export class StackCharger implements Accounting {
  ctx: WorkContext | null = null;

  constructor(private readonly costs: Readonly<Record<StackOp, number>>) {}

  charge(op: StackOp, units = 1): void {
    const ctx = this.ctx;
    if (ctx === null) throw new Error(`stack charged "${op}" outside a work item`);
    ctx.charge(STACK_OP_CATEGORY[op], this.costs[op] * units);
  }
}

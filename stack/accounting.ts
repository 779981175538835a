/**
 * The stack's cost accounting interface.
 *
 * The protocol code never measures time itself: for each piece of work it does
 * it calls `charge(op, units)`. The hosting mode turns that into cycles on the
 * core running the stack, from the platform's cost table (hw/costs/). Unit
 * tests pass {@link FREE_ACCOUNTING}. The operation names ({@link StackOp}) live
 * with the cost tables, in hw/costs/ops.ts.
 */
import type { StackOp } from "../hw/costs/ops.ts";

/** Where protocol code charges the operations it performs. */
export interface Accounting {
  /** Charges `units` of operation `op` (default 1). */
  charge(op: StackOp, units?: number): void;
}

/** Accounting that charges nothing (unit tests, pure protocol runs). */
export const FREE_ACCOUNTING: Accounting = { charge() {} };

/** Accounting that counts how often each op was charged (tests, profiling). */
export class CountingAccounting implements Accounting {
  /** Units charged per operation. */
  readonly counts = new Map<StackOp, number>();
  /** Adds `units` of `op` (default 1). */
  charge(op: StackOp, units = 1): void {
    this.counts.set(op, (this.counts.get(op) ?? 0) + units);
  }
  /** Units charged of `op`. */
  get(op: StackOp): number {
    return this.counts.get(op) ?? 0;
  }
}

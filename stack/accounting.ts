/**
 * The stack's cost accounting interface.
 *
 * The protocol code never measures time itself: for each piece of work it does
 * it calls `charge(op, units)`. The hosting mode turns that into cycles on the
 * core running the stack, from the platform's cost table (hw/costs/). Unit
 * tests pass {@link FREE_ACCOUNTING}.
 */

/** Operations the stack charges for. `units` is 1 unless stated. */
export const STACK_OPS = [
  "eth_rx", // per received frame: driver/descriptor handling, Ethernet demux
  "eth_tx", // per transmitted frame: descriptor build, doorbell
  "arp", // per ARP packet handled or sent
  "ip_rx", // per IPv4 packet validated
  "ip_tx", // per IPv4 header built
  "icmp", // per ICMP message handled
  "flow_lookup", // per 4-tuple hash lookup
  "tcp_rx", // per TCP segment processed (state machine, ACK processing)
  "tcp_tx", // per TCP segment built
  "tcp_timer", // per TCP timer expiry handled
  "tcp_conn", // per connection set up or torn down
  "checksum_byte", // per byte checksummed in software (units = bytes)
  "copy_byte", // per byte copied by the CPU (units = bytes)
  "reassembly", // per out-of-order segment queued or drained
] as const;

export type StackOp = typeof STACK_OPS[number];

export interface Accounting {
  charge(op: StackOp, units?: number): void;
}

/** Accounting that charges nothing (unit tests, pure protocol runs). */
export const FREE_ACCOUNTING: Accounting = { charge() {} };

/** Accounting that counts how often each op was charged (tests, profiling). */
export class CountingAccounting implements Accounting {
  readonly counts = new Map<StackOp, number>();
  charge(op: StackOp, units = 1): void {
    this.counts.set(op, (this.counts.get(op) ?? 0) + units);
  }
  get(op: StackOp): number {
    return this.counts.get(op) ?? 0;
  }
}

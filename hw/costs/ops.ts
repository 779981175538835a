/**
 * The operations a stack cost table prices: the names the protocol code
 * charges (`Accounting.charge(op, units)` in stack/accounting.ts) and every
 * platform table in this folder has a value for. They are named here, beside
 * the tables, so the machine model does not depend on the stack.
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

/** One of {@link STACK_OPS}. */
export type StackOp = typeof STACK_OPS[number];

/**
 * Index of `op` in {@link STACK_OPS}, or -1 for an unknown name. A switch on
 * the literal (cases in rough order of frequency) is much cheaper than a
 * keyed lookup by a string that varies per call site, and hosts charge on
 * every frame.
 */
export function stackOpIndex(op: string): number {
  switch (op) {
    case "tcp_rx":
      return 7;
    case "tcp_tx":
      return 8;
    case "eth_rx":
      return 0;
    case "eth_tx":
      return 1;
    case "ip_rx":
      return 3;
    case "ip_tx":
      return 4;
    case "flow_lookup":
      return 6;
    case "checksum_byte":
      return 11;
    case "copy_byte":
      return 12;
    case "tcp_timer":
      return 9;
    case "tcp_conn":
      return 10;
    case "arp":
      return 2;
    case "icmp":
      return 5;
    case "reassembly":
      return 13;
    default:
      return -1;
  }
}

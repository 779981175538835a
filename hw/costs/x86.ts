/**
 * An x86 client host (the Memcached load generators ran mutilate on x86
 * machines with the Linux kernel stack, docs/PAPER.md): its clock and core count,
 * and cycle costs of the kernel's protocol processing (per stack op) and of
 * the load generator's own work. Kernel overheads (system calls, interrupts,
 * wakeups, copies) are in hw/costs/linux.ts (LINUX_X86_COSTS).
 *
 * The paper does not describe the client machines beyond "x86 using the Linux
 * kernel stack"; every number here is an approximation to be calibrated in
 * docs/CALIBRATION.md.
 */
import type { StackOp } from "./ops.ts";
import { type CostTable, defineTable } from "./table.ts";

/** An x86 host's clock and core count. */
export interface X86Host {
  /** Host name. */
  readonly name: string;
  /** Core clock in Hz. */
  readonly hz: number;
  /** Hardware threads available to the load generator. */
  readonly cores: number;
}

/**
 * A 16-core, 2.6 GHz Skylake-SP server core (Intel Xeon Gold 6142, launched
 * 2017, base clock 2.6 GHz, 16 cores): a client machine of the paper's time.
 * The paper names no client CPU, so this is an assumption; the cycle costs
 * in this file and in LINUX_X86_COSTS are converted at this clock.
 */
export const X86_HOST: X86Host = Object.freeze({
  name: "x86-client",
  hz: 2_600_000_000,
  cores: 16,
});

/** Load-generator work per request. */
export const LOADGEN_OPS = [
  "loadgen_request", // pick key/value sizes, format a request
  "loadgen_response", // parse a response, record latency
] as const;
/** One of {@link LOADGEN_OPS}. */
export type LoadgenOp = typeof LOADGEN_OPS[number];

/** Every operation the x86 table prices. */
export type X86Op = StackOp | LoadgenOp;
/** The x86 cost table: cycles per operation. */
export type X86Costs = CostTable<X86Op>;

/**
 * Kernel protocol processing on x86, per stack op (cycles at X86_HOST.hz).
 * The split across layers is an assumption; the sums are sourced: a small
 * packet costs ~1.26 us in the kernel on the way in and ~1.05 us on the way
 * out (Arrakis, OSDI'14, Table 1), which LINUX_X86_COSTS (hw/costs/linux.ts)
 * reaches with these ops plus its softirq and skb entries; IX (OSDI'14)
 * derives ~19K cycles per 64-byte TCP request and reply on Linux, all
 * kernel paths included (docs/PAPER.md). Bounds per op: half to twice the value.
 */
export const X86_COSTS: X86Costs = defineTable<X86Op>({
  // Driver descriptor and skb set-up share of netif_receive_skb. Approximation, docs/CALIBRATION.md.
  eth_rx: 300,
  // dev_queue_xmit and driver descriptor. Approximation, docs/CALIBRATION.md.
  eth_tx: 400,
  // ARP handling. Approximation, docs/CALIBRATION.md.
  arp: 800,
  // ip_rcv and routing decision. Approximation, docs/CALIBRATION.md.
  ip_rx: 300,
  // ip_queue_xmit and route lookup. Approximation, docs/CALIBRATION.md.
  ip_tx: 300,
  // ICMP handling. Approximation, docs/CALIBRATION.md.
  icmp: 600,
  // Established-socket hash lookup (__inet_lookup_established). Approximation, docs/CALIBRATION.md.
  flow_lookup: 200,
  // tcp_v4_rcv / tcp_rcv_established. Approximation, docs/CALIBRATION.md.
  tcp_rx: 1500,
  // tcp_sendmsg segment build and tcp_transmit_skb. Approximation, docs/CALIBRATION.md.
  tcp_tx: 1500,
  // Timer expiry handling. Approximation, docs/CALIBRATION.md.
  tcp_timer: 500,
  // Connection set-up or tear-down (socket allocation, accept queue). Approximation, docs/CALIBRATION.md.
  tcp_conn: 8000,
  // Checksum per byte with SIMD-free csum_partial (~8 bytes per cycle). Approximation, docs/CALIBRATION.md.
  checksum_byte: 0.125,
  // Copy per byte (rep movsb, in cache). Approximation, docs/CALIBRATION.md.
  copy_byte: 0.1,
  // Out-of-order queue handling. Approximation, docs/CALIBRATION.md.
  reassembly: 800,
  // mutilate request generation (random draws, formatting). Approximation, docs/CALIBRATION.md.
  loadgen_request: 1500,
  // mutilate response parse and latency sample. Approximation, docs/CALIBRATION.md.
  loadgen_response: 1500,
});

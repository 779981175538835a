/**
 * Cycle costs on a TileGX core (1.2 GHz on the Gx36) for the user-level stack,
 * the DLibOS messaging layer and the applications.
 *
 * The paper reports end-to-end figures only, so nothing here is measured on
 * DLibOS. Three kinds of value:
 *
 * - Messaging (`noc_*` and the socket-layer records): from the hardware and a
 *   measurement on a Gx36 (docs/PAPER.md "Costs with sources": a UDN send or
 *   receive is one register access per 64-bit word; a small one-way message
 *   takes ~61-64 cycles end to end, ~55-60 of them fixed; ssmp's
 *   client-server benchmark spends ~77 server cycles per request). Not fitted.
 * - Per-segment stack costs (`eth_*`, `ip_*`, `flow_lookup`, `tcp_rx`,
 *   `tcp_tx`): orders of magnitude for a lean stack on a 3-issue in-order
 *   core with a 32 KB L1 and a distributed L3, times the calibrated
 *   `stackScale` (hw/costs/calibration.ts, fitted to the webserver's 4.2 M
 *   requests/s).
 * - Everything else: approximations, each named below.
 *
 * {@link tilegxCosts} builds the table from a calibration; {@link TILEGX_COSTS}
 * is the table of the fitted one (docs/CALIBRATION.md).
 */
import type { StackOp } from "./ops.ts";
import { type CostTable, defineTable } from "./table.ts";
import { type Calibration, DEFAULT_CALIBRATION } from "./calibration.ts";

/** Messaging and NIC-driver operations (units = 1 unless stated). */
export const MESSAGING_OPS = [
  "noc_send", // per message: write the UDN header, select the demux queue
  "noc_send_word", // per payload word written to the UDN port (units = words)
  "noc_recv", // per message: read the header from a demux queue
  "noc_recv_word", // per payload word read (units = words)
  "event_build", // network core: build one socket event record
  "event_handle", // application core: dispatch one socket event to the app
  "event_ack_handle", // application core: a data_acked event (release a reference, no app callback work)
  "command_build", // application core: build one socket command record
  "command_handle", // network core: dispatch one socket command to the stack
  "nic_poll", // one poll of a notification ring (found empty or not)
  "buf_alloc", // take a buffer from an mPIPE buffer stack
  "buf_free", // return a buffer to an mPIPE buffer stack
] as const;
/** One of {@link MESSAGING_OPS}. */
export type MessagingOp = typeof MESSAGING_OPS[number];

/** Application per-request base costs (placeholders until the apps are calibrated). */
export const APP_OPS = [
  "app_http_request", // webserver: parse a GET, look up the page, build the response header
  "app_memcached_get", // memcached: parse, hash, look up, build the reply header
  "app_memcached_set", // memcached: parse, allocate, store, reply
  "app_netpipe", // NetPIPE: bookkeeping per ping-pong message
] as const;
/** One of {@link APP_OPS}. */
export type AppOp = typeof APP_OPS[number];

/** Every operation the TileGX table prices. */
export type TileGxOp = StackOp | MessagingOp | AppOp;
/** The TileGX cost table: cycles per operation. */
export type TileGxCosts = CostTable<TileGxOp>;

/**
 * The per-segment stack operations {@link Calibration.stackScale} scales: the
 * work every data segment pays in each direction (not ARP, ICMP, timers,
 * connection set-up, reassembly, or the per-byte checksum and copy).
 */
export const SCALED_STACK_OPS = [
  "eth_rx",
  "eth_tx",
  "ip_rx",
  "ip_tx",
  "flow_lookup",
  "tcp_rx",
  "tcp_tx",
] as const satisfies readonly StackOp[];

/** The TileGX table before calibration: per-segment stack costs at scale 1 (cycles). */
export const TILEGX_BASE_COSTS: TileGxCosts = defineTable<TileGxOp>({
  // --- stack ops (ops.ts) ---
  // Descriptor from the notification ring, buffer metadata, Ethernet demux. Approximation at scale 1 (x stackScale).
  eth_rx: 120,
  // Egress descriptor build and eDMA doorbell. Approximation at scale 1 (x stackScale).
  eth_tx: 150,
  // ARP request/reply handling including table update. Approximation, docs/CALIBRATION.md.
  arp: 400,
  // IPv4 header validation (header checksum in software: 20 bytes). Approximation at scale 1 (x stackScale).
  ip_rx: 100,
  // IPv4 header build. Approximation at scale 1 (x stackScale).
  ip_tx: 80,
  // ICMP echo handling. Approximation, docs/CALIBRATION.md.
  icmp: 300,
  // 4-tuple hash and lookup, typically one miss to the distributed L3. Approximation at scale 1 (x stackScale).
  flow_lookup: 120,
  // TCP input: state machine, ACK processing, receive queue. Approximation at scale 1 (x stackScale).
  tcp_rx: 600,
  // TCP output: segment build, retransmission bookkeeping. Approximation at scale 1 (x stackScale).
  tcp_tx: 500,
  // One timer expiry (retransmit, delayed ACK, TIME_WAIT). Approximation, docs/CALIBRATION.md.
  tcp_timer: 250,
  // Connection set-up or tear-down (PCB allocation and initialisation). Approximation, docs/CALIBRATION.md.
  tcp_conn: 3000,
  // Software checksum per byte: 8-byte loads and adds, ~2 cycles per word. Approximation, docs/CALIBRATION.md.
  checksum_byte: 0.25,
  // CPU copy per byte, limited by L2/L3 bandwidth. Approximation, docs/CALIBRATION.md.
  copy_byte: 0.5,
  // Out-of-order segment queued or drained. Approximation, docs/CALIBRATION.md.
  reassembly: 400,
  // --- messaging: from the hardware (docs/PAPER.md "Costs with sources"), not fitted ---
  // A UDN word is written or read by one register access (GCC tilegx.md network intrinsics,
  // TMC udn.h), so the per-word costs are 1 cycle. ssmp measured a small one-way message on a
  // Gx36 at 61 cycles tile 0 -> 1, ~55-60 of them fixed: the model's transit over one hop
  // with a few words is ~5 cycles (hw/noc.ts), which leaves ~50-55 cycles for the sender's and
  // the receiver's software, ~25 each (header word, demux tag, queue select or poll).
  noc_send: 25,
  noc_send_word: 1,
  noc_recv: 25,
  noc_recv_word: 1,
  // Network core: the owning application core is a field of the connection (one L2 hit, 11
  // cycles in GCC's TILE-Gx model) and the 2-5 record words are assembled in registers (one
  // cycle each): ~20 cycles.
  event_build: 20,
  // Application core: ssmp's server spends ~77 cycles per request receiving, dispatching and
  // replying; minus a receive and a send (~25 + words each) that leaves ~25 cycles of dispatch.
  // Plus the connection's state (one L2 hit, 11 cycles) and the call into the application.
  event_handle: 40,
  // A data_acked event: ssmp's dispatch (~25 cycles) and a decrement of a reference count held
  // by this core (an L1 hit, 2 cycles): no connection-state walk into the application.
  event_ack_handle: 30,
  // Application core: the same shape as event_build (connection field, record words).
  command_build: 20,
  // Network core: ssmp's dispatch (~25 cycles) plus the connection's stack state (L2, 11).
  command_handle: 40,
  // Check of a notification ring head. Approximation, docs/CALIBRATION.md.
  nic_poll: 30,
  // mPIPE buffer stack pop (an MMIO access). Approximation, docs/CALIBRATION.md.
  buf_alloc: 25,
  // mPIPE buffer stack push (an MMIO access). Approximation, docs/CALIBRATION.md.
  buf_free: 25,
  // --- applications (placeholders) ---
  // 4.2 M req/s over 24 app cores is ~6,800 cycles per request; most of it is messaging and
  // event handling, so the base is set below that. Placeholder, docs/CALIBRATION.md.
  app_http_request: 3000,
  // Memcached get: 3.1 M req/s (abstract) over 24 app cores, ~9,300 cycles per request all in.
  // Placeholder, docs/CALIBRATION.md.
  app_memcached_get: 2500,
  // Memcached set: allocation and store on top of a get's work. Placeholder, docs/CALIBRATION.md.
  app_memcached_set: 3500,
  // NetPIPE: trivial per-message bookkeeping. Placeholder, docs/CALIBRATION.md.
  app_netpipe: 200,
});

/**
 * The TileGX table of calibration `cal`: {@link TILEGX_BASE_COSTS} with the
 * {@link SCALED_STACK_OPS} times `cal.stackScale`, rounded to whole cycles.
 *
 * @example The per-segment costs follow the scale; nothing else does
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCalibration } from "./calibration.ts";
 * import { TILEGX_BASE_COSTS, tilegxCosts } from "./tilegx.ts";
 *
 * const t = tilegxCosts(resolveCalibration({ stackScale: 2 }));
 * assert.equal(t.tcp_rx, 2 * TILEGX_BASE_COSTS.tcp_rx);
 * assert.equal(t.event_handle, TILEGX_BASE_COSTS.event_handle);
 * ```
 */
export function tilegxCosts(cal: Calibration): TileGxCosts {
  const out: Record<string, number> = { ...TILEGX_BASE_COSTS };
  for (const op of SCALED_STACK_OPS) out[op] = Math.round(TILEGX_BASE_COSTS[op] * cal.stackScale);
  return defineTable(out as Record<TileGxOp, number>);
}

/** Default TileGX cost table (cycles): the fitted calibration's (docs/CALIBRATION.md). */
export const TILEGX_COSTS: TileGxCosts = tilegxCosts(DEFAULT_CALIBRATION);

/** True when `op` is a key of the TileGX table. */
export function isTileGxOp(op: string): op is TileGxOp {
  return Object.prototype.hasOwnProperty.call(TILEGX_COSTS, op);
}

/**
 * Cycle costs on a TileGX core (1.2 GHz on the Gx36) for the user-level stack,
 * the DLibOS messaging layer and the applications.
 *
 * None of these are measured: the paper reports end-to-end figures only. Each
 * value is an approximation chosen to be plausible for a 3-issue in-order
 * 64-bit core with a 32 KB L1 and a distributed L3 (docs/PAPER.md), sized against
 * the paper's end-to-end budget, and is to be calibrated in
 * docs/CALIBRATION.md. The budget: 4.2 M webserver requests/s (abstract) over
 * 12 network cores (d12 layouts, slides "Core layout") is ~350 k requests/s per
 * network core, i.e. ~3,400 cycles of network-core work per request at
 * 1.2 GHz, covering one request segment in, one response segment out, an ACK
 * and four socket-layer messages.
 */
import type { StackOp } from "./ops.ts";
import { type CostTable, defineTable } from "./table.ts";

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

/** Default TileGX cost table (cycles). */
export const TILEGX_COSTS: TileGxCosts = defineTable<TileGxOp>({
  // --- stack ops (ops.ts) ---
  // Descriptor from the notification ring, buffer metadata, Ethernet demux. Approximation, docs/CALIBRATION.md.
  eth_rx: 120,
  // Egress descriptor build and eDMA doorbell. Approximation, docs/CALIBRATION.md.
  eth_tx: 150,
  // ARP request/reply handling including table update. Approximation, docs/CALIBRATION.md.
  arp: 400,
  // IPv4 header validation (header checksum in software: 20 bytes). Approximation, docs/CALIBRATION.md.
  ip_rx: 100,
  // IPv4 header build. Approximation, docs/CALIBRATION.md.
  ip_tx: 80,
  // ICMP echo handling. Approximation, docs/CALIBRATION.md.
  icmp: 300,
  // 4-tuple hash and lookup, typically one miss to the distributed L3. Approximation, docs/CALIBRATION.md.
  flow_lookup: 120,
  // TCP input: state machine, ACK processing, receive queue. Approximation, docs/CALIBRATION.md.
  tcp_rx: 600,
  // TCP output: segment build, retransmission bookkeeping. Approximation, docs/CALIBRATION.md.
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
  // --- messaging (UDN words are written/read by single instructions: docs/PAPER.md "about one cycle per hop") ---
  // Header word plus queue selection. Approximation, docs/CALIBRATION.md.
  noc_send: 10,
  // One store to the UDN port per word. Approximation, docs/CALIBRATION.md.
  noc_send_word: 1,
  // Header read and demux. Approximation, docs/CALIBRATION.md.
  noc_recv: 10,
  // One load from the demux queue per word. Approximation, docs/CALIBRATION.md.
  noc_recv_word: 1,
  // Record construction on the network core, including the connection -> app core lookup.
  // Calibrated against NetPIPE 64 B (DLibOS 6 us one-way), docs/CALIBRATION.md.
  event_build: 100,
  // Event dispatch into the application on the app core: the libOS reads the record, finds its
  // per-connection state and calls the application (cache misses on the connection state
  // dominate). Calibrated against NetPIPE 64 B (DLibOS 6 us one-way), docs/CALIBRATION.md.
  event_handle: 1800,
  // A data_acked event only drops a reference count on transmit memory: no connection-state
  // walk into the application. Approximation, docs/CALIBRATION.md.
  event_ack_handle: 200,
  // Command construction on the application core (connection state, reference list).
  // Calibrated against NetPIPE 64 B (DLibOS 6 us one-way), docs/CALIBRATION.md.
  command_build: 600,
  // Command dispatch into the stack on the network core. Calibrated, docs/CALIBRATION.md.
  command_handle: 180,
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

/** True when `op` is a key of the TileGX table. */
export function isTileGxOp(op: string): op is TileGxOp {
  return Object.prototype.hasOwnProperty.call(TILEGX_COSTS, op);
}

/**
 * Testbeds: hosted nodes on one scheduler joined by 10 GbE links, with
 * addresses and static neighbour entries set up the way the paper's testbed
 * is (two TileGX boards back to back for NetPIPE).
 */
import { Scheduler } from "../../core/scheduler.ts";
import { type Time, US } from "../../core/time.ts";
import { type BoardSpec, makeBoard } from "../../hw/board.ts";
import { EthernetLink, type LinkConfig } from "../../hw/link.ts";
import type { TcpConfig } from "../tcp/layer.ts";
import type { Ipv4Addr } from "../wire/ipv4.ts";
import type { MacAddr } from "../wire/ethernet.ts";
import { DlibosNode } from "./dlibos.ts";
import type { Layout } from "./layout.ts";
import type { AppFactory, HostedNode, HostMode, NodeAddress } from "./node.ts";
import { RtcNode } from "./rtc.ts";
import { LinuxNode } from "./linux/mod.ts";
import type { PcapWriter } from "../pcap.ts";

/** The subnet of the simulated testbed (RFC 1918 addresses, never on a real network). */
export const TESTBED_NET: Ipv4Addr = 0x0a000000; // 10.0.0.0
export const TESTBED_PREFIX = 24;
/** Time the server gets to start listening before the client starts (approximation). */
export const CLIENT_START_DELAY: Time = 100 * US;
/** Default receive buffers per node (mPIPE buffer stack). */
export const DEFAULT_RX_BUFFERS = 4096;
/** Default application transmit memory per node. */
export const DEFAULT_TX_BYTES = 8 << 20;

/** A locally administered unicast MAC for host number `n` (02:00:00:00:00:n). */
export function testbedMac(n: number): MacAddr {
  return new Uint8Array([0x02, 0, 0, 0, (n >> 8) & 255, n & 255]);
}
/** Testbed host `n`'s IPv4 address (10.0.0.n). */
export function testbedIp(n: number): Ipv4Addr {
  return (TESTBED_NET | n) >>> 0;
}
/** Testbed host `n`'s address, with host `peer` as its one static neighbour. */
export function testbedAddress(n: number, peer: number): NodeAddress {
  return {
    ip: testbedIp(n),
    mac: testbedMac(n),
    prefixLen: TESTBED_PREFIX,
    neighbours: [{ ip: testbedIp(peer), mac: testbedMac(peer) }],
  };
}

/** One node of a testbed: its name, mode, board, layout and application. */
export interface HostSpec {
  /** Node name. */
  readonly name: string;
  /** Hosting mode. */
  readonly mode: HostMode;
  /** Board shape. */
  readonly board: BoardSpec;
  /** Core layout. */
  readonly layout: Layout;
  /** Makes the application on each application core. */
  readonly app: AppFactory;
  /** Application transmit memory in bytes (default {@link DEFAULT_TX_BYTES}). */
  readonly txBytes?: number;
  /** Receive buffers (default {@link DEFAULT_RX_BUFFERS}). */
  readonly rxBuffers?: number;
  /** TCP settings over {@link DEFAULT_TCP_CONFIG}. */
  readonly tcp?: Partial<TcpConfig>;
}

/** Builds one node of the given mode. */
export function buildNode(
  sched: Scheduler,
  spec: HostSpec,
  address: NodeAddress,
  seed: number,
): HostedNode {
  const common = {
    name: spec.name,
    address,
    app: spec.app,
    txBytes: spec.txBytes ?? DEFAULT_TX_BYTES,
    rxBuffers: spec.rxBuffers ?? DEFAULT_RX_BUFFERS,
    tcp: spec.tcp,
    seed,
    board: makeBoard(spec.board),
    layout: spec.layout,
  };
  switch (spec.mode) {
    case "dlibos":
      return new DlibosNode(sched, common);
    case "rtc":
      return new RtcNode(sched, common);
    case "linux":
      return new LinuxNode(sched, common);
  }
}

/** Options of a {@link Pair}. */
export interface PairOptions {
  /** Root seed (A uses it, B the next one). */
  readonly seed: number;
  /** The link's rate, cable and faults. */
  readonly link?: LinkConfig;
  /** Records every frame on the wire (both directions). */
  readonly pcap?: PcapWriter;
}

/**
 * Two nodes back to back on one 10 GbE link (port 0 of each NIC), on one
 * scheduler: A (10.0.0.1) is the client, B (10.0.0.2) the server.
 *
 * @example A client connects to a server
 * ```ts
 * import assert from "node:assert/strict";
 * import { MS } from "../../core/time.ts";
 * import { GX36 } from "../../hw/board.ts";
 * import type { App } from "../socket.ts";
 * import { parseLayout } from "./layout.ts";
 * import { Pair, testbedIp } from "./testbed.ts";
 *
 * const server = (): App => ({
 *   start: (_ctx, api) => api.listen(7, 16),
 *   onEvent(_ctx, api, stack, ev) {
 *     if (ev.kind === "new_conn") api.accept({ stack, conn: ev.conn });
 *   },
 * });
 * const seen: string[] = [];
 * const client = (): App => ({
 *   start: (_ctx, api) => api.connect({ addr: testbedIp(2), port: 7 }, 1),
 *   onEvent: (_ctx, _api, _stack, ev) => void seen.push(ev.kind),
 * });
 * const layout = parseLayout("1:1"); // one network core, one application core
 * const pair = new Pair(
 *   { name: "client", mode: "dlibos", board: GX36, layout, app: client },
 *   { name: "server", mode: "dlibos", board: GX36, layout, app: server },
 *   { seed: 1 },
 * );
 * pair.start();
 * pair.sched.runUntil(1 * MS);
 * assert.deepEqual(seen, ["connected"]);
 * ```
 */
export class Pair {
  /** The scheduler both nodes run on. */
  readonly sched = new Scheduler();
  /** Node A (the client). */
  readonly a: HostedNode;
  /** Node B (the server). */
  readonly b: HostedNode;
  /** The link between them. */
  readonly link: EthernetLink;

  /** Builds both nodes and joins port 0 of each by a link. */
  constructor(a: HostSpec, b: HostSpec, opts: PairOptions) {
    const addrA = testbedAddress(1, 2);
    const addrB = testbedAddress(2, 1);
    this.a = buildNode(this.sched, a, addrA, opts.seed);
    this.b = buildNode(this.sched, b, addrB, opts.seed + 1);
    this.link = new EthernetLink(this.sched, opts.link ?? {});
    this.a.nic.attachPort(this.link.a);
    this.b.nic.attachPort(this.link.b);
    const pcap = opts.pcap;
    if (pcap !== undefined) {
      // Tap both directions at the receiving end (after wire time).
      for (const end of [this.link.a, this.link.b]) {
        const deliver = end.onFrame;
        end.onFrame = (t, frame) => {
          pcap.record(t, frame);
          deliver?.(t, frame);
        };
      }
    }
  }

  /**
   * Starts B (the server) at once and A (the client) {@link CLIENT_START_DELAY}
   * later, as a benchmark starts its load once the server is listening.
   */
  start(): void {
    this.b.start();
    this.sched.at(this.sched.now + CLIENT_START_DELAY, () => this.a.start());
  }
}

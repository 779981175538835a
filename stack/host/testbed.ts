/**
 * Testbeds: hosted nodes on one scheduler joined by 10 GbE links, with
 * addresses and static neighbour entries set up the way the paper's testbed
 * is: two TileGX boards back to back for NetPIPE ({@link Pair}), and the
 * server board with one x86 client host on each of its 10 GbE ports for the
 * webserver and Memcached ({@link Cluster}, docs/TESTBED.md).
 */
import { Scheduler } from "../../core/scheduler.ts";
import { NS, type Time, US } from "../../core/time.ts";
import { type BoardSpec, customBoard, makeBoard } from "../../hw/board.ts";
import { X86_HOST } from "../../hw/costs/x86.ts";
import type { Calibration } from "../../hw/costs/calibration.ts";
import { tilegxCosts } from "../../hw/costs/tilegx.ts";
import { type MpipeLatencies, mpipeLatencies } from "../../hw/mpipe.ts";
import { LINUX_X86_COSTS } from "../../hw/costs/linux.ts";
import { EthernetLink, type LinkConfig } from "../../hw/link.ts";
import type { TcpConfig } from "../tcp/layer.ts";
import type { Ipv4Addr } from "../wire/ipv4.ts";
import type { MacAddr } from "../wire/ethernet.ts";
import { DlibosNode } from "./dlibos.ts";
import type { Layout } from "./layout.ts";
import type { AppFactory, HostedNode, HostMode, NodeAddress, NodeConfig } from "./node.ts";
import { RtcNode } from "./rtc.ts";
import { type AcceptModel, type Affinity, LinuxNode } from "./linux/mod.ts";
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
/**
 * The x86 client hosts' NIC DMA latency each way: 500 ns, mPIPE's value
 * before the fit, kept fixed so that calibrating the board under test leaves
 * the clients alone. Approximation (docs/TESTBED.md): a PCIe NIC's
 * descriptor and data DMA, ~0.5-1 us.
 */
export const X86_NIC_LATENCY: MpipeLatencies = Object.freeze({
  ingress: 500 * NS,
  egress: 500 * NS,
});

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
  /** Frames per NIC port in the egress ring (default mPIPE's); see {@link NodeConfig}. */
  readonly egressQueueFrames?: number;
  /** Linux mode only: how connections reach threads ({@link LinuxHostOptions}). */
  readonly linux?: LinuxHostOptions;
  /**
   * The board's free parameters (default the fit, hw/costs/calibration.ts):
   * the NIC's DMA latencies in every mode and, in DLibOS and RTC modes, the
   * TileGX cost table. The application's costs are its factory's
   * (bench/servers.ts takes the same calibration).
   */
  readonly calibration?: Calibration;
}

/** Options of a Linux-mode node a {@link HostSpec} may set (ignored in the other modes). */
export interface LinuxHostOptions {
  /** How new connections reach threads (LinuxNode's default: "establish"). */
  readonly accept?: AcceptModel;
  /** With `accept: "establish"`: which thread owns a new connection. */
  readonly affinity?: Affinity;
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
    egressQueueFrames: spec.egressQueueFrames,
    board: makeBoard(spec.board),
    layout: spec.layout,
    nicLatency: spec.calibration && mpipeLatencies(spec.calibration),
  };
  const costs = spec.calibration && tilegxCosts(spec.calibration);
  switch (spec.mode) {
    case "dlibos":
      return new DlibosNode(sched, { ...common, costs });
    case "rtc":
      return new RtcNode(sched, { ...common, costs });
    case "linux":
      return new LinuxNode(sched, { ...common, ...spec.linux });
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
    // Tap both directions at the receiving end (after wire time).
    if (opts.pcap !== undefined) tapLink(this.link, opts.pcap);
  }

  /**
   * Starts B (the server) at once and A (the client) {@link CLIENT_START_DELAY}
   * later, as a benchmark starts its load once the server is listening.
   */
  start(): void {
    this.b.start();
    this.sched.at(this.sched.now + CLIENT_START_DELAY, () => this.a.start());
  }

  /** Starts a measurement window on both nodes and the link (see {@link HostedNode.resetStats}). */
  resetStats(): void {
    this.a.resetStats();
    this.b.resetStats();
    this.link.resetStats();
  }
}

/** Records every frame arriving at either end of `link` (after wire time). */
function tapLink(link: EthernetLink, pcap: PcapWriter): void {
  for (const end of [link.a, link.b]) {
    const deliver = end.onFrame;
    end.onFrame = (t, frame) => {
      pcap.record(t, frame);
      deliver?.(t, frame);
    };
  }
}

/** Testbed host number of the cluster's server (10.0.0.1). */
export const CLUSTER_SERVER_HOST = 1;
/** Testbed host number of client host 0; client h is 10.0.0.(10+h). */
export const CLUSTER_CLIENT_HOST0 = 10;

/** What an x86 client host runs: its name, cores, load generator and transmit memory. */
export interface X86ClientSpec {
  /** The node's name (prefix of its cores' names). */
  readonly name: string;
  /** Cores (default X86_HOST.cores, 16); every core runs the kernel stack (RSS) and the app. */
  readonly cores?: number;
  /** The load generator. */
  readonly app: AppFactory;
  /** Bytes of application transmit memory (default {@link DEFAULT_TX_BYTES}). */
  readonly txBytes?: number;
  /** Receive buffers of the NIC (default {@link DEFAULT_RX_BUFFERS}). */
  readonly rxBuffers?: number;
  /** TCP settings of the host's stacks. */
  readonly tcp?: Partial<TcpConfig>;
}

/**
 * An x86 client host: the Linux model on an x86 "board" of `cores` cores at
 * X86_HOST.hz with one 10 GbE port, costed with LINUX_X86_COSTS. Every core
 * runs an application thread and takes its own RSS queue's interrupts. The
 * NIC is the same Mpipe model (RSS hash, rings, buffers) with
 * {@link X86_NIC_LATENCY}: an approximation (docs/TESTBED.md).
 */
export function buildX86Client(
  sched: Scheduler,
  spec: X86ClientSpec,
  address: NodeAddress,
  seed: number,
): HostedNode {
  const cores = spec.cores ?? X86_HOST.cores;
  if (!Number.isInteger(cores) || cores < 1) {
    throw new RangeError(`x86 client ${spec.name}: cores must be a positive integer, got ${cores}`);
  }
  const cfg: NodeConfig = {
    name: spec.name,
    address,
    app: spec.app,
    txBytes: spec.txBytes ?? DEFAULT_TX_BYTES,
    rxBuffers: spec.rxBuffers ?? DEFAULT_RX_BUFFERS,
    tcp: spec.tcp,
    seed,
    nicLatency: X86_NIC_LATENCY,
  };
  return new LinuxNode(sched, {
    ...cfg,
    // A row of cores: the Linux model sends nothing over a mesh, so the shape is immaterial.
    board: customBoard(cores, 1, X86_HOST.hz, 1),
    layout: { name: `x86-${cores}`, net: cores, app: 0, policy: "all" },
    costs: LINUX_X86_COSTS,
  });
}

/** The paper's webserver/Memcached testbed: the server board and x86 clients, a port each. */
export interface ClusterSpec {
  /** The board under test (mode, board, layout, app, ...); its name is kept. */
  readonly server: HostSpec;
  /** Server ports used (default: the board's ports, 4 on the Gx36). */
  readonly ports?: number;
  /** x86 client hosts (default: one per port), at most `ports`. */
  readonly clients?: number;
  /** Cores per client host (default X86_HOST.cores, 16). */
  readonly clientCores?: number;
  /** The load generator on client host `host`. */
  readonly clientApp: (host: number) => AppFactory;
  /** Transmit memory per client host (default {@link DEFAULT_TX_BYTES}). */
  readonly clientTxBytes?: number;
  /** The server's seed; client host h gets `seed + 1 + h`. */
  readonly seed: number;
  /** Configuration of every link (rate, propagation, queue, faults). */
  readonly link?: LinkConfig;
  /** Records every frame on every link (both directions). */
  readonly pcap?: PcapWriter;
}

/**
 * The server board and `clients` x86 client hosts on one scheduler. Client
 * host h (10.0.0.(10+h), named `client<h>`) has its own 10 GbE link to server
 * port h % ports (there is no switch); the server's static neighbour entries
 * name each client's port, so its replies leave on the port the client is
 * cabled to. Seeds: the server gets `seed`, client h `seed + 1 + h`.
 */
export class Cluster {
  /** The scheduler every node and link runs on. */
  readonly sched = new Scheduler();
  /** The board under test. */
  readonly server: HostedNode;
  /** Linux-model x86 hosts. */
  readonly clients: readonly HostedNode[];
  /** What clients connect to. */
  readonly serverIp: Ipv4Addr = testbedIp(CLUSTER_SERVER_HOST);
  /** Link h joins client h (end b) to server port h % ports (end a). */
  readonly links: readonly EthernetLink[];
  /** Server ports in use. */
  readonly ports: number;

  /** Builds the nodes and links; throws a RangeError for more clients than ports. */
  constructor(spec: ClusterSpec) {
    const boardPorts = spec.server.board.ports;
    const ports = spec.ports ?? boardPorts;
    if (!Number.isInteger(ports) || ports < 1 || ports > boardPorts) {
      throw new RangeError(
        `Cluster: ports must be an integer from 1 to ${boardPorts} (${spec.server.board.name}), got ${ports}`,
      );
    }
    const clients = spec.clients ?? ports;
    if (!Number.isInteger(clients) || clients < 1) {
      throw new RangeError(`Cluster: clients must be a positive integer, got ${clients}`);
    }
    if (clients > ports) {
      throw new RangeError(
        `Cluster: ${clients} client hosts need ${clients} server ports, the server uses ${ports} ` +
          `(each host has its own 10 GbE link to a server port; there is no switch)`,
      );
    }
    this.ports = ports;
    const clientHost = (h: number) => CLUSTER_CLIENT_HOST0 + h;
    const serverAddr: NodeAddress = {
      ip: this.serverIp,
      mac: testbedMac(CLUSTER_SERVER_HOST),
      prefixLen: TESTBED_PREFIX,
      neighbours: Array.from({ length: clients }, (_, h) => ({
        ip: testbedIp(clientHost(h)),
        mac: testbedMac(clientHost(h)),
        port: h % ports,
      })),
    };
    this.server = buildNode(this.sched, spec.server, serverAddr, spec.seed);
    const links: EthernetLink[] = [];
    const hosts: HostedNode[] = [];
    for (let h = 0; h < clients; h++) {
      const host = buildX86Client(
        this.sched,
        {
          name: `client${h}`,
          cores: spec.clientCores,
          app: spec.clientApp(h),
          txBytes: spec.clientTxBytes,
        },
        testbedAddress(clientHost(h), CLUSTER_SERVER_HOST),
        spec.seed + 1 + h,
      );
      const link = new EthernetLink(this.sched, spec.link ?? {}, `eth${h}`);
      links.push(link);
      hosts.push(host);
    }
    // Server ports in port order: port p carries the clients with h % ports === p (one each).
    for (let h = 0; h < clients; h++) {
      const port = this.server.nic.attachPort(links[h].a);
      if (port !== h % ports) throw new Error(`Cluster: link ${h} became server port ${port}`);
      hosts[h].nic.attachPort(links[h].b);
      if (spec.pcap !== undefined) tapLink(links[h], spec.pcap);
    }
    this.clients = hosts;
    this.links = links;
  }

  /** Starts the server at once and the clients {@link CLIENT_START_DELAY} later. */
  start(): void {
    this.server.start();
    this.sched.at(this.sched.now + CLIENT_START_DELAY, () => {
      for (const c of this.clients) c.start();
    });
  }

  /**
   * Start of the measurement window: zeroes busy time per category on every
   * core, lock statistics, NIC, link and TCP counters on every node (see
   * {@link HostedNode.resetStats}); nothing else changes.
   */
  resetStats(): void {
    this.server.resetStats();
    for (const c of this.clients) c.resetStats();
    for (const l of this.links) l.resetStats();
  }
}

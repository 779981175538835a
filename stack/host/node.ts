/**
 * What every hosting mode builds: one board with its NIC, memory regions,
 * cores, stack instances and one application, attached to Ethernet links.
 */
import type { Scheduler } from "../../core/scheduler.ts";
import type { Time } from "../../core/time.ts";
import type { LockTable } from "../../core/lock.ts";
import type { LatencyHistogram } from "../../core/stats.ts";
import type { LockFactory } from "../../core/work.ts";
import type { Core } from "../../core/executor.ts";
import type { Board } from "../../hw/board.ts";
import type { Mpipe, MpipeLatencies } from "../../hw/mpipe.ts";
import { MemoryRegion, type Permission } from "../../hw/memory.ts";
import { MPIPE_BUFFER_SIZE } from "../../hw/mpipe.ts";
import { type Layout, placeLayout } from "./layout.ts";
import type { App } from "../socket.ts";
import type { WritableMemory } from "../../hw/buffers.ts";
import type { Ipv4Addr } from "../wire/ipv4.ts";
import type { MacAddr } from "../wire/ethernet.ts";
import type { Stack } from "../stack.ts";
import type { TcpConfig } from "../tcp/layer.ts";

/** How a node hosts the stack and the application. */
export type HostMode = "dlibos" | "rtc" | "linux";
/** Every {@link HostMode}. */
export const HOST_MODES: readonly HostMode[] = ["dlibos", "rtc", "linux"];

/** A neighbour whose MAC address is configured statically (the testbed's peers). */
export interface Neighbour {
  /** Neighbour's IPv4 address. */
  readonly ip: Ipv4Addr;
  /** Neighbour's MAC address. */
  readonly mac: MacAddr;
  /**
   * The NIC port this neighbour is cabled to (default 0): frames to its MAC
   * leave on that port (stack/host/neighbours.ts {@link EgressPorts}).
   */
  readonly port?: number;
}

/** A node's addresses and static neighbours. */
export interface NodeAddress {
  /** The node's IPv4 address. */
  readonly ip: Ipv4Addr;
  /** The node's MAC address. */
  readonly mac: MacAddr;
  /** Prefix length of the on-link subnet. */
  readonly prefixLen: number;
  /**
   * Static ARP entries. DLibOS's stacks share one MAC and IP but no state, so
   * an ARP reply reaches only the stack the NIC hashes it to; like the
   * paper's testbed we configure the peers' addresses up front.
   */
  readonly neighbours: readonly Neighbour[];
}

/** What a hosting mode gives the application it builds. */
export interface AppEnv {
  /** The application's transmit memory (shared by its cores), as the app sees it. */
  readonly tx: WritableMemory;
  /** Simulated time (the time a work item was dispatched, when called from one). */
  readonly now: () => Time;
  /**
   * The application's locks: handles of core/lock.ts Locks (so contention is
   * simulated) that reveal only their name.
   */
  readonly locks: LockFactory;
  /** Cores running the application (memcached sizes its lock table from its threads). */
  readonly cores: number;
}

/**
 * Builds the application given its transmit memory (shared by its cores) and
 * the rest of its environment.
 */
export type AppFactory = (tx: WritableMemory, env: AppEnv) => App;

/**
 * The environment a node hands its application factory: frozen, with lock
 * handles (names, not the core/lock.ts locks whose holders are cores) and a
 * clock function that reaches nothing else.
 */
export function appEnv(
  sched: Scheduler,
  tx: WritableMemory,
  locks: LockTable,
  cores: number,
): AppEnv {
  return Object.freeze({ tx, now: () => sched.now, locks: locks.handleFactory, cores });
}

export interface NodeConfig {
  readonly name: string;
  readonly address: NodeAddress;
  readonly app: AppFactory;
  /** Bytes of application transmit memory. */
  readonly txBytes: number;
  /** Receive buffers on the NIC's buffer stack. */
  readonly rxBuffers: number;
  readonly tcp?: Partial<TcpConfig>;
  readonly seed: number;
  /**
   * Frames per NIC port in the egress DMA ring and link queue (default
   * mPIPE's `MPIPE_EGRESS_FRAMES`, hw/mpipe.ts); beyond it frames wait in the
   * port's backlog (back-pressure, no loss).
   */
  readonly egressQueueFrames?: number;
  /** The NIC's RSS hash key (hw/mpipe.ts `hashKey`; default: drawn from the seed, builder.ts `rssKey`). */
  readonly nicHashKey?: number;
  /** The NIC's DMA latencies (default mPIPE's, hw/mpipe.ts `INGRESS_DMA_LATENCY`/`EGRESS_DMA_LATENCY`). */
  readonly nicLatency?: MpipeLatencies;
}

/** A node of any hosting mode: its board, NIC, stacks, cores, application and memory. */
export interface HostedNode {
  /** Hosting mode. */
  readonly mode: HostMode;
  /** Node name. */
  readonly name: string;
  /** The scheduler the node runs on. */
  readonly sched: Scheduler;
  /** The board. */
  readonly board: Board;
  /** The NIC. */
  readonly nic: Mpipe;
  /** The stack instances (one per network core in DLibOS, one per core otherwise). */
  readonly stacks: readonly Stack[];
  /** Cores running stack work (DLibOS: network cores; RTC/Linux: all used cores). */
  readonly netCores: readonly Core[];
  /** Cores running application work (RTC/Linux: the same cores as netCores). */
  readonly appCores: readonly Core[];
  /** The application. */
  readonly app: App;
  /** Receive region (the NIC's buffers). */
  readonly rxRegion: MemoryRegion;
  /** The application's transmit region. */
  readonly txRegion: MemoryRegion;
  /** The application's locks (for lock statistics). */
  readonly appLocks: LockTable;
  /**
   * How long received frames waited between the NIC's delivery onto a
   * notification ring and the stack taking them (DLibOS/RTC: the frame's turn
   * in a poll pass; Linux: NAPI's pop), one record per frame, over the
   * measurement window.
   */
  readonly rxWait: LatencyHistogram;
  /** Calls the app's start on every application core. */
  start(): void;
  /**
   * Starts a measurement window: zeroes busy time per category on every
   * core, lock statistics (application and kernel locks), the NIC's counters,
   * the frame waiting times ({@link rxWait}) and the stacks' (TCP included)
   * and the mode's own counters. State (queues,
   * connections, buffers, timers) is untouched. Links are the testbed's: see
   * `Pair.resetStats`/`Cluster.resetStats`.
   */
  resetStats(): void;
}

/** The application's transmit memory as the app sees it. */
export function appTxMemory(region: MemoryRegion, domain: string): WritableMemory {
  return region.view(domain);
}

/** A node's two shared regions: the NIC's receive buffers and the application's transmit memory. */
export interface NodeRegions {
  readonly rxRegion: MemoryRegion;
  readonly txRegion: MemoryRegion;
}

/**
 * Makes a node's receive region (one mPIPE buffer per receive buffer) and
 * transmit region with each protection domain's permission; each mode states
 * only its grants.
 */
export function nodeRegions(
  cfg: NodeConfig,
  rx: Record<string, Permission>,
  tx: Record<string, Permission>,
): NodeRegions {
  return {
    rxRegion: new MemoryRegion("rx-buffers", cfg.rxBuffers * MPIPE_BUFFER_SIZE, rx),
    txRegion: new MemoryRegion("app-tx", cfg.txBytes, tx),
  };
}

/** Every tile a layout uses, ascending (RTC and Linux run stack and application on each). */
export function layoutTiles(board: Board, layout: Layout): number[] {
  const p = placeLayout(board, layout);
  return [...p.netTiles, ...p.appTiles].sort((a, b) => a - b);
}

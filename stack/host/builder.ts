/**
 * What every hosting mode's node builds the same way: its receive and
 * transmit regions, its NIC, its application, and one core per stack tile
 * whose stack NIC ring k wakes. A mode states only its grants, the tiles its
 * stacks run on and what runs on each of those cores ({@link BoardNode}).
 */
import { Rng } from "../../core/rng.ts";
import { Core } from "../../core/executor.ts";
import { LockTable } from "../../core/lock.ts";
import { LatencyHistogram } from "../../core/stats.ts";
import type { Scheduler } from "../../core/scheduler.ts";
import type { Board } from "../../hw/board.ts";
import type { MemoryRegion, Permission } from "../../hw/memory.ts";
import { Mpipe } from "../../hw/mpipe.ts";
import type { App } from "../socket.ts";
import type { StackOp } from "../../hw/costs/ops.ts";
import type { Stack } from "../stack.ts";
import { appEnv, type HostedNode, type HostMode, type NodeConfig, nodeRegions } from "./node.ts";
import { type SlotOptions, StackSlot } from "./slot.ts";

/** A node's configuration on a board. */
export interface BoardNodeConfig extends NodeConfig {
  readonly board: Board;
}

/** One core running a stack instance (RTC and Linux: the application too). */
export interface StackCore {
  readonly core: Core;
  readonly stack: Stack;
}

/** What a stack core adds to its {@link StackSlot}: where its events and timer go. */
export type SlotHooks = Pick<SlotOptions, "onEvent" | "onTimer" | "txChecksumOffload">;

/** How a mode sets up its node: where its stacks run and who may touch which memory. */
export interface BoardNodeSpec {
  /** The tiles whose cores run a stack, one NIC worker (ring) each, in worker order. */
  readonly stackTiles: readonly number[];
  /** Cores running the application (the app's environment). */
  readonly appCores: number;
  /** Permissions on the receive region, by protection domain. */
  readonly rxGrants: Record<string, Permission>;
  /** Permissions on the application's transmit region, by protection domain. */
  readonly txGrants: Record<string, Permission>;
  /** The domain whose view of the receive buffers NIC worker `w` hands out. */
  readonly rxDomain: (w: number) => string;
  /** The domain the application sees its transmit memory from. */
  readonly appDomain: string;
}

/**
 * The part of a hosted node every mode shares: regions, NIC and application
 * made in that order, the stack cores ({@link addStackCores}), and the
 * node's views of them. Application cores are the stack cores unless a mode
 * overrides {@link appCores}.
 */
export abstract class BoardNode<U extends StackCore, C extends BoardNodeConfig>
  implements HostedNode {
  abstract readonly mode: HostMode;
  /** What the stacks' operations cost on this node. */
  abstract readonly costs: Readonly<Record<StackOp, number>>;
  readonly name: string;
  readonly nic: Mpipe;
  readonly rxRegion: MemoryRegion;
  readonly txRegion: MemoryRegion;
  readonly appLocks = new LockTable();
  readonly rxWait = new LatencyHistogram();
  readonly app: App;
  /** One per stack tile, in NIC-worker order. */
  protected readonly units: U[] = [];
  private readonly stackTiles: readonly number[];

  constructor(readonly sched: Scheduler, readonly cfg: C, spec: BoardNodeSpec) {
    this.name = cfg.name;
    this.stackTiles = spec.stackTiles;
    ({ rxRegion: this.rxRegion, txRegion: this.txRegion } = nodeRegions(
      cfg,
      spec.rxGrants,
      spec.txGrants,
    ));
    this.nic = new Mpipe(sched, {
      workers: spec.stackTiles.length,
      rxRegion: this.rxRegion,
      rxView: (w) => this.rxRegion.view(spec.rxDomain(w)),
      egressQueueFrames: cfg.egressQueueFrames,
      hashKey: cfg.nicHashKey ?? rssKey(cfg.seed, cfg.name),
      ingressLatency: cfg.nicLatency?.ingress,
      egressLatency: cfg.nicLatency?.egress,
    });
    const tx = this.txRegion.view(spec.appDomain);
    this.app = cfg.app(tx, appEnv(sched, tx, this.appLocks, spec.appCores));
  }

  /**
   * Makes a core on each stack tile (named `<node>/<label><k>@<tile>`) and
   * its unit with `make`; the NIC's ring k calls `wake` with unit k.
   */
  protected addStackCores(
    label: string,
    make: (k: number, tile: number, core: Core) => U,
    wake: (unit: U) => void,
  ): void {
    const board = this.cfg.board;
    this.stackTiles.forEach((tile, k) => {
      const core = new Core(this.sched, board.clock, tile, `${this.name}/${label}${k}@${tile}`);
      const unit = make(k, tile, core);
      this.units.push(unit);
      this.nic.setWake(k, () => wake(unit));
    });
  }

  /** @internal stack `index`'s slot on `core`, on this node's scheduler, NIC, addresses and costs. */
  newSlot(index: number, core: Core, hooks: SlotHooks): StackSlot {
    return new StackSlot({
      sched: this.sched,
      core,
      nic: this.nic,
      index,
      node: this.cfg,
      costs: this.costs,
      rxWait: this.rxWait,
      ...hooks,
    });
  }

  get board(): Board {
    return this.cfg.board;
  }
  get stacks(): Stack[] {
    return this.units.map((u) => u.stack);
  }
  get netCores(): Core[] {
    return this.units.map((u) => u.core);
  }
  get appCores(): Core[] {
    return this.netCores;
  }

  abstract start(): void;

  /** See {@link HostedNode.resetStats}; a mode adds its own counters. */
  resetStats(): void {
    const now = this.sched.now;
    const cores = new Set<Core>([...this.netCores, ...this.appCores]);
    for (const c of cores) c.resetStats(now);
    this.appLocks.resetStats();
    this.nic.resetStats();
    this.rxWait.reset();
    for (const u of this.units) u.stack.resetStats();
  }
}

/** Values of a 32-bit RSS key. */
const RSS_KEY_SPAN = 2 ** 32;

/**
 * The NIC's flow-hash key when the node names none: drawn from the node's
 * seed (as an operating system draws its RSS key at boot), so which core a
 * flow lands on, and with it the load's spread, changes with the seed.
 */
export function rssKey(seed: number, node: string): number {
  return new Rng(seed, `${node}/nic`).stream("rss-key").int(RSS_KEY_SPAN);
}

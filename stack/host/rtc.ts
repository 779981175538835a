/**
 * Run-to-completion mode: every core polls its own NIC ring, runs its own
 * stack instance and runs the application, with direct calls in both
 * directions and no isolation.
 *
 * A core's poll pass takes up to {@link RTC_RX_BATCH} frames, lets the stack
 * process them, hands the resulting events to the application (whose commands
 * call straight into the stack), and only then runs the stack's due timers:
 * there is no preemption, so a core busy with application work serves its
 * TCP timers late. All software shares one protection domain, so an
 * application write into a receive buffer succeeds (and corrupts it), and a
 * fault is not contained. The application's handles are still opaque (no path
 * from them to the stacks or cores): docs/HOSTING.md "Threat model".
 */
import { type Core, type CoreContext, GuestContext, Poller } from "../../core/executor.ts";
import type { Scheduler } from "../../core/scheduler.ts";
import type { Time } from "../../core/time.ts";
import type { Board } from "../../hw/board.ts";
import { TILEGX_COSTS, type TileGxCosts } from "../../hw/costs/tilegx.ts";
import type { ConnRef, FileOp, SocketApi } from "../socket.ts";
import type { BufRef } from "../../hw/buffers.ts";
import type { ConnId, Endpoint, SocketEvent } from "../events.ts";
import type { Stack } from "../stack.ts";
import type { Layout } from "./layout.ts";
import { BoardNode } from "./builder.ts";
import { AppTimers } from "./app_timers.ts";
import { layoutTiles, type NodeConfig } from "./node.ts";
import type { StackSlot } from "./slot.ts";
import { categoryIndex } from "../../core/work.ts";
import { GuestSocketApi } from "./guest.ts";

/** Executor index of the "nic" category (charged on every poll pass). */
const CAT_NIC = categoryIndex("nic");

/** Frames a core takes from its notification ring per pass (same driver batch as DLibOS). */
export const RTC_RX_BATCH = 16;
/** The single protection domain every piece of software runs in. */
export const RTC_DOMAIN = "rtc";

export interface RtcConfig extends NodeConfig {
  readonly board: Board;
  /** Uses net + app cores of the layout, all running stack and application. */
  readonly layout: Layout;
  readonly costs?: TileGxCosts;
}

class RtcCore implements SocketApi {
  readonly slot: StackSlot;
  readonly poller: Poller<RtcCore>;
  readonly timers: AppTimers<RtcCore>;
  /** Events raised by the stack, delivered to the app after the stack returns. */
  private readonly events: SocketEvent[] = [];
  private readonly listening = new Set<number>();
  /** The socket API as the application holds it (the same opaque handle as in DLibOS). */
  readonly api: GuestSocketApi;
  private guest: GuestContext | null = null;

  constructor(
    readonly node: RtcNode,
    readonly index: number,
    readonly core: Core,
    stacks: number,
  ) {
    this.api = new GuestSocketApi(this, { stacks, domain: RTC_DOMAIN });
    this.slot = node.newSlot(index, core, {
      onEvent: (ev) => this.events.push(ev),
      onTimer: () => this.poller.wake(),
    });
    this.poller = new Poller<RtcCore>(core, RtcCore.pass, this as RtcCore);
    this.timers = new AppTimers<RtcCore>(node.sched, core, RtcCore.timerPass, this as RtcCore);
  }

  /**
   * Runs the application's due timers (the core polls: no cost beyond the
   * app's own work), then hands the app the events its commands raised.
   */
  static timerPass(ctx: CoreContext, self: RtcCore): void {
    const timers = self.timers;
    timers.begin();
    const slot = self.slot;
    slot.begin(ctx);
    const app = self.node.app;
    const now = self.node.sched.now;
    while (timers.popDue(now)) {
      app.onTimer?.(self.guestOf(ctx), self.api, timers.tag);
      self.deliver(ctx);
    }
    slot.end();
    timers.end();
  }

  get stack(): Stack {
    return this.slot.stack;
  }

  static pass(ctx: CoreContext, self: RtcCore): void {
    const slot = self.slot;
    slot.begin(ctx);
    ctx.chargeIndex(CAT_NIC, self.node.costs.nic_poll);
    slot.receiveBatch(RTC_RX_BATCH);
    self.deliver(ctx);
    slot.runTimers();
    self.deliver(ctx);
    slot.end();
    if (slot.rxPending > 0) self.poller.wake();
  }

  static start(ctx: CoreContext, self: RtcCore): void {
    self.slot.begin(ctx);
    self.node.app.start(self.guestOf(ctx), self.api);
    self.deliver(ctx);
    self.slot.end();
  }

  /** The work context as the application holds it; RTC contains no fault: a fault ends the run. */
  private guestOf(ctx: CoreContext): GuestContext {
    return this.guest ??= new GuestContext(ctx, RtcCore.rethrow);
  }

  private static rethrow(e: unknown): never {
    throw e;
  }

  /** Hands queued events to the application (direct calls); its commands may queue more. */
  private deliver(ctx: CoreContext): void {
    const app = this.node.app;
    const guest = this.guestOf(ctx);
    for (let i = 0; i < this.events.length; i++) {
      app.onEvent(guest, this.api, this.index, this.events[i]);
    }
    this.events.length = 0;
  }

  private check(c: ConnRef): ConnId {
    if (c.stack !== this.index) {
      throw new Error(`RTC core ${this.index} used connection of stack ${c.stack}`);
    }
    return c.conn;
  }

  listen(port: number, backlog: number): void {
    if (this.listening.has(port)) return;
    this.listening.add(port);
    this.stack.listen(port, backlog);
  }
  connect(remote: Endpoint, _tag: number): void {
    this.stack.connect(this.slot.now(), remote, this.slot.localPortFor(remote));
  }
  accept(c: ConnRef): void {
    this.stack.accept(this.check(c));
  }
  recvDone(c: ConnRef, rxId: number): void {
    this.stack.recvDone(this.check(c), rxId);
  }
  send(c: ConnRef, refs: readonly BufRef[], token: number): void {
    this.stack.send(this.slot.now(), this.check(c), refs, token);
  }
  /** The app's memory is already sent without a copy: the same as {@link send}. */
  sendFile(c: ConnRef, refs: readonly BufRef[], token: number): void {
    this.send(c, refs, token);
  }
  /** No file system: the app's files are its memory. */
  fileOp(_op: FileOp): void {}
  shutdown(c: ConnRef): void {
    this.stack.shutdown(this.slot.now(), this.check(c));
  }
  close(c: ConnRef): void {
    this.stack.close(this.slot.now(), this.check(c));
  }
  timer(at: Time, tag: number): void {
    this.timers.add(at, tag);
  }
}

/** One board in RTC mode. */
export class RtcNode extends BoardNode<RtcCore, RtcConfig> {
  readonly mode = "rtc" as const;
  readonly costs: TileGxCosts;

  constructor(sched: Scheduler, cfg: RtcConfig) {
    const tiles = layoutTiles(cfg.board, cfg.layout);
    super(sched, cfg, {
      stackTiles: tiles,
      appCores: tiles.length,
      rxGrants: { nic: "read-write", [RTC_DOMAIN]: "read-write" },
      txGrants: { nic: "read", [RTC_DOMAIN]: "read-write" },
      rxDomain: () => RTC_DOMAIN,
      appDomain: RTC_DOMAIN,
    });
    this.costs = cfg.costs ?? TILEGX_COSTS;
    this.addStackCores(
      "rtc",
      (k, _tile, core) => new RtcCore(this, k, core, tiles.length),
      (rc) => rc.poller.wake(),
    );
  }

  start(): void {
    for (const c of this.units) c.core.submit(RtcCore.start, c);
  }
}

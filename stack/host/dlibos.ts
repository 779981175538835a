/**
 * DLibOS mode: the stack on dedicated network cores, the application on
 * application cores, socket-layer events and commands as UDN messages.
 *
 * - Each network core runs one share-nothing {@link Stack}; mPIPE hashes flows
 *   to the network cores' notification rings.
 * - A network core's poll pass takes up to {@link NET_RX_BATCH} frames from
 *   its ring, up to {@link NET_CMD_BATCH} commands from its command queue, and
 *   runs the stack's timers that are due; it is woken by the NIC, by command
 *   arrivals and by its timer deadline, so TCP timers are served on time
 *   however busy the application cores are.
 * - Application cores run the app on events popped from their event queue.
 *   Which app core serves a connection follows the layout's pairing policy.
 * - Memory: receive buffers are writable by the NIC and the stacks and
 *   read-only to the application; the application's transmit region is
 *   writable by the application and read-only to the stacks and the NIC. An
 *   application that faults is contained: the fault is counted, the event is
 *   dropped, the locks the item held and the faulted delivery's receive
 *   buffers are released, and the network cores keep serving every
 *   connection. The application holds only capabilities (a GuestSocketApi, a
 *   GuestContext, lock handles, region views): docs/HOSTING.md "Threat model".
 */
import { type Core, type CoreContext, GuestContext, Poller } from "../../core/executor.ts";
import type { Scheduler } from "../../core/scheduler.ts";
import type { Time } from "../../core/time.ts";
import type { Board } from "../../hw/board.ts";
import { Core as SimCore } from "../../core/executor.ts";
import { NocTransport } from "../../hw/noc.ts";
import { TransportMessage } from "../../hw/transport.ts";
import { type Permission, ProtectionFault, type RegionView } from "../../hw/memory.ts";
import { TILEGX_COSTS, type TileGxCosts } from "../../hw/costs/tilegx.ts";
import type { ConnRef, FileOp, SocketApi } from "../socket.ts";
import type { BufRef } from "../../hw/buffers.ts";
import type { ConnId, Endpoint, SocketCommand, SocketEvent } from "../events.ts";
import type { Stack } from "../stack.ts";
import type { StackSlot } from "./slot.ts";
import { type Layout, placeLayout, type Placement } from "./layout.ts";
import { COMMAND_QUEUE, commandWords, EVENT_QUEUE, eventWords } from "./messages.ts";
import { categoryIndex } from "../../core/work.ts";
import { BoardNode } from "./builder.ts";
import { AppTimers } from "./app_timers.ts";
import type { NodeConfig } from "./node.ts";
import { GuestSocketApi } from "./guest.ts";

/** Frames a network core takes from its notification ring per pass (approximation of the driver's batch). */
export const NET_RX_BATCH = 16;
/** Commands a network core handles per pass. */
export const NET_CMD_BATCH = 16;
/** Events an application core handles per pass. */
export const APP_EVENT_BATCH = 8;
/** The application's protection domain (read on the receive buffers, read-write on its transmit memory). */
export const APP_DOMAIN = "app";

export interface DlibosConfig extends NodeConfig {
  readonly board: Board;
  readonly layout: Layout;
  readonly costs?: TileGxCosts;
}

/** Executor indices of the categories the host charges per message (no string lookup per charge). */
const CAT_NIC = categoryIndex("nic");
const CAT_MESSAGING = categoryIndex("messaging");

/** Counters of the DLibOS host layer (not the stack's or the NIC's). */
export interface DlibosCounters {
  eventsSent: number;
  commandsSent: number;
  /** Events for a connection no app core owns (already cleaned up). */
  eventsOrphaned: number;
  /** Protection faults raised by the application (contained). */
  appFaults: number;
  /** Locks a faulting application item still held, released by the host. */
  faultLocksReleased: number;
  /** new_data deliveries whose handler faulted, released (recv_done) by the host. */
  faultRxReleased: number;
}

class NetCore {
  readonly slot: StackSlot;
  readonly poller: Poller<NetCore>;
  /** Which app core owns each connection. */
  readonly owner = new Map<ConnId, number>();
  private readonly listening = new Set<number>();

  constructor(
    readonly node: DlibosNode,
    readonly index: number,
    readonly tile: number,
    readonly core: Core,
  ) {
    this.slot = node.newSlot(index, core, {
      onEvent: (ev) => this.event(ev),
      onTimer: () => this.poller.wake(),
    });
    this.poller = new Poller<NetCore>(core, NetCore.pass, this as NetCore);
  }

  get stack(): Stack {
    return this.slot.stack;
  }

  static pass(ctx: CoreContext, self: NetCore): void {
    const { noc, costs } = self.node;
    const slot = self.slot;
    slot.begin(ctx);
    ctx.chargeIndex(CAT_NIC, costs.nic_poll);
    slot.receiveBatch(NET_RX_BATCH);
    let i = 0;
    for (; i < NET_CMD_BATCH; i++) {
      const m = noc.pop(self.tile, COMMAND_QUEUE);
      if (m === undefined) break;
      ctx.chargeIndex(
        CAT_MESSAGING,
        costs.noc_recv + costs.noc_recv_word * m.words + costs.command_handle,
      );
      self.command(m.payload as SocketCommand, self.node.coreOnTile[m.src]);
    }
    slot.end(slot.runTimers());
    // A pass that emptied the command queue need not ask again: messages
    // arrive from scheduler events only, never while a pass runs.
    const cmdsLeft = i === NET_CMD_BATCH && noc.pending(self.tile, COMMAND_QUEUE) > 0;
    if (slot.rxPending > 0 || cmdsLeft) self.poller.wake();
  }

  private event(ev: SocketEvent): void {
    const node = this.node;
    let app: number | undefined;
    if (ev.kind === "new_conn") {
      app = node.nextAppFor(this.index);
      this.owner.set(ev.conn, app);
    } else {
      app = this.owner.get(ev.conn);
      if (ev.kind === "cleanup") this.owner.delete(ev.conn);
    }
    if (app === undefined) {
      node.counters.eventsOrphaned++;
      return;
    }
    // new_data is rebuilt with the application's read-only view of the buffers
    // (same fields in the same order as the stack's record; a literal is much
    // cheaper than an object spread).
    const out: SocketEvent = ev.kind === "new_data"
      ? {
        kind: "new_data",
        conn: ev.conn,
        rxId: ev.rxId,
        refs: node.toAppRefs(ev.refs),
        bytes: ev.bytes,
      }
      : ev;
    node.counters.eventsSent++;
    node.sendFrom(
      this.slot.ctx!,
      node.costs.event_build,
      this.tile,
      node.placement.appTiles[app],
      EVENT_QUEUE,
      out,
      Math.min(eventWords(ev), node.noc.queueWords),
    );
  }

  /** Runs a command from application core `app`. */
  private command(cmd: SocketCommand, app: number): void {
    const s = this.slot.stack;
    switch (cmd.kind) {
      case "listen":
        // Every application core asks every network core; listen once per port.
        if (!this.listening.has(cmd.port)) {
          this.listening.add(cmd.port);
          s.listen(cmd.port, cmd.backlog);
        }
        return;
      case "connect": {
        const conn = s.connect(this.slot.now(), cmd.remote, this.slot.localPortFor(cmd.remote));
        this.owner.set(conn, app);
        return;
      }
      case "accept":
        s.accept(cmd.conn);
        return;
      case "recv_done":
        s.recvDone(cmd.conn, cmd.rxId);
        return;
      case "send":
        s.send(this.slot.now(), cmd.conn, cmd.refs, cmd.token);
        return;
      case "shutdown":
        s.shutdown(this.slot.now(), cmd.conn);
        return;
      case "close":
        s.close(this.slot.now(), cmd.conn);
        return;
    }
  }
}

/**
 * One application core: its poll pass hands events to the application, and
 * it is the socket layer the application's commands go through. The
 * application sees neither it nor the core's context: it gets {@link api}
 * (a {@link GuestSocketApi} over this object) and a {@link GuestContext}.
 */
class AppCore implements SocketApi {
  readonly poller: Poller<AppCore>;
  readonly timers: AppTimers<AppCore>;
  /** The socket API as the application holds it. */
  readonly api: GuestSocketApi;
  private connects = 0;
  ctx: CoreContext | null = null;
  /** The work context as the application holds it (made on first use: one per core). */
  private guest: GuestContext | null = null;

  constructor(
    readonly node: DlibosNode,
    readonly index: number,
    readonly tile: number,
    readonly core: Core,
  ) {
    this.poller = new Poller<AppCore>(core, AppCore.pass, this as AppCore);
    this.timers = new AppTimers<AppCore>(node.sched, core, AppCore.timerPass, this as AppCore);
    this.api = new GuestSocketApi(this, { stacks: node.cfg.layout.net, domain: APP_DOMAIN });
  }

  private guestOf(ctx: CoreContext): GuestContext {
    return this.guest ??= new GuestContext(ctx, (e) => this.node.contain(e));
  }

  /** Contains a fault of application code run from lock mark `mark` on: counts it, releases its locks. */
  private fault(ctx: CoreContext, mark: number, e: unknown): void {
    this.node.contain(e);
    this.node.counters.faultLocksReleased += ctx.releaseAfterFault(mark);
  }

  /**
   * Runs the application's due timers. The core polls, so the expiry itself
   * costs nothing beyond the app's own work (it charges that itself).
   */
  static timerPass(ctx: CoreContext, self: AppCore): void {
    const timers = self.timers;
    timers.begin();
    self.ctx = ctx;
    const app = self.node.app;
    const now = self.node.sched.now;
    const guest = self.guestOf(ctx);
    while (timers.popDue(now)) {
      const mark = ctx.heldCount;
      try {
        app.onTimer?.(guest, self.api, timers.tag);
      } catch (e) {
        self.fault(ctx, mark, e);
      }
    }
    self.ctx = null;
    timers.end();
  }

  static pass(ctx: CoreContext, self: AppCore): void {
    self.ctx = ctx;
    const { noc, costs, app } = self.node;
    const guest = self.guestOf(ctx);
    let i = 0;
    for (; i < APP_EVENT_BATCH; i++) {
      const m = noc.pop(self.tile, EVENT_QUEUE);
      if (m === undefined) break;
      const ev = m.payload as SocketEvent;
      const handle = ev.kind === "data_acked" ? costs.event_ack_handle : costs.event_handle;
      ctx.chargeIndex(CAT_MESSAGING, costs.noc_recv + costs.noc_recv_word * m.words + handle);
      const stack = self.node.coreOnTile[m.src];
      const mark = ctx.heldCount;
      // Inline rather than through a helper taking a closure: none per event.
      try {
        app.onEvent(guest, self.api, stack, ev);
      } catch (e) {
        self.fault(ctx, mark, e);
        if (ev.kind === "new_data") {
          // The delivery's receive buffers go back to the stack (see contain()).
          self.node.counters.faultRxReleased++;
          self.command(stack, { kind: "recv_done", conn: ev.conn, rxId: ev.rxId });
        }
      }
    }
    self.ctx = null;
    // Only a full batch can leave events behind (messages arrive from
    // scheduler events only, never while a pass runs).
    if (i === APP_EVENT_BATCH && noc.pending(self.tile, EVENT_QUEUE) > 0) self.poller.wake();
  }

  static start(ctx: CoreContext, self: AppCore): void {
    self.ctx = ctx;
    const mark = ctx.heldCount;
    try {
      self.node.app.start(self.guestOf(ctx), self.api);
    } catch (e) {
      self.fault(ctx, mark, e);
    }
    self.ctx = null;
  }

  private command(stack: number, cmd: SocketCommand): void {
    const node = this.node;
    const ctx = this.ctx;
    if (ctx === null) throw new Error("socket command issued outside an application work item");
    node.counters.commandsSent++;
    node.sendFrom(
      ctx,
      node.costs.command_build,
      this.tile,
      node.placement.netTiles[stack],
      COMMAND_QUEUE,
      cmd,
      Math.min(commandWords(cmd), node.noc.queueWords),
    );
  }

  listen(port: number, backlog: number): void {
    for (let s = 0; s < this.node.netCores.length; s++) {
      this.command(s, { kind: "listen", port, backlog });
    }
  }
  connect(remote: Endpoint, tag: number): void {
    // Spread active opens over the network cores that serve this application core.
    this.command(this.node.connectVia(this.index, this.connects++), {
      kind: "connect",
      remote,
      tag,
    });
  }
  accept(c: ConnRef): void {
    this.command(c.stack, { kind: "accept", conn: c.conn });
  }
  recvDone(c: ConnRef, rxId: number): void {
    this.command(c.stack, { kind: "recv_done", conn: c.conn, rxId });
  }
  send(c: ConnRef, refs: readonly BufRef[], token: number): void {
    this.command(c.stack, { kind: "send", conn: c.conn, refs, token });
  }
  /** The app's memory is already sent without a copy: the same as {@link send}. */
  sendFile(c: ConnRef, refs: readonly BufRef[], token: number): void {
    this.send(c, refs, token);
  }
  /** No file system: the app's files are its memory. */
  fileOp(_op: FileOp): void {}
  shutdown(c: ConnRef): void {
    this.command(c.stack, { kind: "shutdown", conn: c.conn });
  }
  close(c: ConnRef): void {
    this.command(c.stack, { kind: "close", conn: c.conn });
  }
  timer(at: Time, tag: number): void {
    this.timers.add(at, tag);
  }
}

/** One board in DLibOS mode. */
export class DlibosNode extends BoardNode<NetCore, DlibosConfig> {
  readonly mode = "dlibos" as const;
  readonly costs: TileGxCosts;
  readonly placement: Placement;
  readonly noc: NocTransport;
  readonly counters: DlibosCounters = {
    eventsSent: 0,
    commandsSent: 0,
    eventsOrphaned: 0,
    appFaults: 0,
    faultLocksReleased: 0,
    faultRxReleased: 0,
  };
  /**
   * @internal the index of the network or application core on each tile (-1
   * for none; the two sets of tiles are disjoint): a message's sender is
   * known by its source tile, so messages carry the bare event or command.
   */
  readonly coreOnTile: Int32Array;
  /** The last protection fault the application raised, if any. */
  lastFault: ProtectionFault | null = null;
  /** Round-robin position per set of application cores (see {@link nextAppFor}). */
  private readonly rrByGroup = new Map<string, number>();
  private readonly apps: AppCore[] = [];
  private readonly rxAppView: RegionView;

  constructor(sched: Scheduler, cfg: DlibosConfig) {
    const placement = placeLayout(cfg.board, cfg.layout);
    const rxGrants: Record<string, Permission> = { nic: "read-write", [APP_DOMAIN]: "read" };
    const txGrants: Record<string, Permission> = { [APP_DOMAIN]: "read-write", nic: "read" };
    for (let i = 0; i < cfg.layout.net; i++) {
      rxGrants[`stack:${i}`] = "read-write";
      txGrants[`stack:${i}`] = "read";
    }
    super(sched, cfg, {
      stackTiles: placement.netTiles,
      appCores: cfg.layout.app,
      rxGrants,
      txGrants,
      rxDomain: (w) => `stack:${w}`,
      appDomain: APP_DOMAIN,
    });
    this.costs = cfg.costs ?? TILEGX_COSTS;
    const board = cfg.board;
    this.placement = placement;
    this.noc = new NocTransport(sched, board);
    this.coreOnTile = new Int32Array(board.tiles).fill(-1);
    this.placement.netTiles.forEach((tile, i) => {
      this.coreOnTile[tile] = i;
    });
    this.placement.appTiles.forEach((tile, j) => {
      this.coreOnTile[tile] = j;
    });
    this.rxAppView = this.rxRegion.view(APP_DOMAIN);
    this.addStackCores("net", (i, tile, core) => {
      const net = new NetCore(this, i, tile, core);
      this.noc.onArrival(tile, COMMAND_QUEUE, () => net.poller.wake());
      return net;
    }, (net) => net.poller.wake());
    this.placement.appTiles.forEach((tile, j) => {
      const core = new SimCore(sched, board.clock, tile, `${cfg.name}/app${j}@${tile}`);
      const ac = new AppCore(this, j, tile, core);
      this.apps.push(ac);
      this.noc.onArrival(tile, EVENT_QUEUE, () => ac.poller.wake());
    });
  }

  override get appCores(): Core[] {
    return this.apps.map((a) => a.core);
  }

  start(): void {
    for (const a of this.apps) a.core.submit(AppCore.start, a);
  }

  override resetStats(): void {
    super.resetStats();
    const c = this.counters;
    c.eventsSent = 0;
    c.commandsSent = 0;
    c.eventsOrphaned = 0;
    c.appFaults = 0;
    c.faultLocksReleased = 0;
    c.faultRxReleased = 0;
  }

  /**
   * @internal the application core that gets network core `net`'s next new
   * connection: round robin over the cores the policy allows, shared by all
   * network cores with the same set, so connections spread over every
   * application core rather than each network core starting at the first.
   */
  nextAppFor(net: number): number {
    const served = this.placement.servedBy[net];
    const group = served.join(",");
    const n = this.rrByGroup.get(group) ?? 0;
    this.rrByGroup.set(group, n + 1);
    return served[n % served.length];
  }

  /** @internal the network core that opens the `n`-th active open of application core `app`. */
  connectVia(app: number, n: number): number {
    const served = this.placement.servedBy;
    const candidates: number[] = [];
    for (let k = 0; k < served.length; k++) if (served[k].includes(app)) candidates.push(k);
    if (candidates.length === 0) return app % served.length;
    return candidates[(app + n) % candidates.length];
  }

  /** @internal received-data references as the application may see them (read-only). */
  toAppRefs(refs: readonly BufRef[]): BufRef[] {
    // Arrays of exactly the right size (an empty array grown by push() gets a
    // backing store of 17 slots), and a literal for the common single
    // reference; a plain loop otherwise (no closure on this per-event path).
    const mem = this.rxAppView;
    const n = refs.length;
    if (n === 1) {
      const r = refs[0];
      return [{ mem, off: r.off, len: r.len }];
    }
    const out: BufRef[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = refs[i];
      out[i] = { mem, off: r.off, len: r.len };
    }
    return out;
  }

  /**
   * @internal charges building (`buildCycles`) and sending a message of
   * `words` words on the running item, and sends it from tile `src` at the
   * item's point after those cycles. The message record itself carries the
   * payload to its send time (one object per message, one handler per node).
   */
  sendFrom(
    ctx: CoreContext,
    buildCycles: number,
    src: number,
    dst: number,
    queue: number,
    payload: SocketEvent | SocketCommand,
    words: number,
  ): void {
    const c = this.costs;
    ctx.chargeIndex(CAT_MESSAGING, buildCycles + c.noc_send + c.noc_send_word * words);
    ctx.thenCall(this.sendAt, new TransportMessage(src, dst, queue, payload, words));
  }

  private readonly sendAt = (t: Time, m: TransportMessage): void => {
    this.noc.sendMessage(t, m);
  };

  /**
   * @internal counts an application's protection fault; rethrows anything
   * else (a bug in the simulation, not a modelled fault). The application
   * core that ran the faulting item then releases the locks the item still
   * held and, for a new_data event, the delivery's receive buffers; commands
   * the item issued before the fault stand (see docs/HOSTING.md).
   */
  contain(e: unknown): void {
    if (!(e instanceof ProtectionFault)) throw e;
    this.counters.appFaults++;
    this.lastFault = e;
  }
}

/**
 * One stack instance as a hosting mode runs it on a core: the share-nothing
 * {@link Stack}, its cost accounting, its NIC worker ring, its timer deadline
 * and the active-open port choice that keeps a flow on this instance.
 * DLibOS network cores, RTC cores and the Linux model's per-core softirq
 * contexts all run a stack through this.
 */
import type { Core, CoreContext } from "../../core/executor.ts";
import type { Scheduler } from "../../core/scheduler.ts";
import type { Clock, Time } from "../../core/time.ts";
import { Rng } from "../../core/rng.ts";
import type { Mpipe, NotifRing } from "../../hw/mpipe.ts";
import type { Accounting } from "../accounting.ts";
import type { StackOp } from "../../hw/costs/ops.ts";
import type { RxBuffer, TxFrame } from "../../hw/buffers.ts";
import type { Endpoint, SocketEvent } from "../events.ts";
import { IPPROTO_TCP } from "../wire/ipv4.ts";
import { Stack } from "../stack.ts";
import { StackCharger } from "./charge.ts";
import { EgressPorts, seedNeighbours } from "./neighbours.ts";
import type { NodeConfig } from "./node.ts";

/** First ephemeral port tried for active opens (IANA dynamic range, RFC 6335). */
export const EPHEMERAL_FIRST = 49152;
/** Size of the dynamic port range (49152..65535). */
export const EPHEMERAL_COUNT = 16384;

export interface SlotOptions {
  readonly sched: Scheduler;
  readonly core: Core;
  readonly nic: Mpipe;
  /** Stack instance id, also the NIC worker (notification ring) index. */
  readonly index: number;
  readonly node: NodeConfig;
  readonly costs: Readonly<Record<StackOp, number>>;
  /** Receives the stack's socket events (inside the running work item). */
  readonly onEvent: (ev: SocketEvent) => void;
  /** Called when the stack's timer deadline arrives (wake the core's poller). */
  readonly onTimer: () => void;
  /** Wraps accounting (the Linux model adds kernel-side costs); default: the charger itself. */
  readonly txChecksumOffload?: boolean;
  readonly rxChecksumOffload?: boolean;
}

export class StackSlot {
  readonly charger: StackCharger;
  readonly stack: Stack;
  readonly index: number;
  /** The work item running the stack now, or null between items. */
  ctx: CoreContext | null = null;
  private timer = 0;
  private timerAt = Infinity;
  private nextPort = 0;
  private readonly rxBuf: RxBuffer[] = [];
  private readonly sched: Scheduler;
  private readonly clock: Clock;
  private readonly nic: Mpipe;
  /** This instance's notification ring (the NIC's rings are fixed at its construction). */
  private readonly ring: NotifRing;
  private readonly ip: number;
  private readonly onTimer: () => void;
  /** Egress port by destination MAC; null when every neighbour is on port 0. */
  private readonly egress: EgressPorts | null;

  constructor(o: SlotOptions, acct?: Accounting) {
    this.sched = o.sched;
    this.clock = o.core.clock;
    this.nic = o.nic;
    this.index = o.index;
    this.ring = o.nic.ring(o.index);
    this.ip = o.node.address.ip;
    this.onTimer = o.onTimer;
    this.egress = EgressPorts.of(o.node.address.neighbours);
    this.charger = new StackCharger(o.costs);
    this.stack = new Stack(
      {
        id: o.index,
        mac: o.node.address.mac,
        ip: o.node.address.ip,
        prefixLen: o.node.address.prefixLen,
        tcp: o.node.tcp,
        txChecksumOffload: o.txChecksumOffload ?? true,
        rxChecksumOffload: o.rxChecksumOffload ?? false,
      },
      { transmit: (frame) => this.transmit(frame), event: o.onEvent, acct: acct ?? this.charger },
      new Rng(o.node.seed, `${o.node.name}/stack${o.index}`),
    );
    seedNeighbours(this.stack, o.node.address.neighbours);
  }

  /** Simulated time inside the running item: dispatch time plus cycles charged so far. */
  now(): Time {
    return this.sched.now + this.clock.cycles(this.ctx!.cycles);
  }

  /** Binds the stack's accounting to a work item. */
  begin(ctx: CoreContext): void {
    this.ctx = ctx;
    this.charger.ctx = ctx;
  }

  /**
   * Unbinds the work item and makes sure a timer event is armed no later than
   * the stack's next deadline. An armed event that is earlier than the
   * deadline is kept (TCP pushes deadlines later on almost every segment);
   * when it fires early it re-arms itself instead of waking the core, so this
   * saves scheduler work without changing what is simulated. Pass the
   * deadline when it is already known (e.g. from {@link runTimers} with nothing
   * run in between); by default it is read from the stack.
   */
  end(deadline: Time = this.stack.nextDeadline()): void {
    this.ctx = null;
    this.charger.ctx = null;
    this.arm(deadline);
  }

  private arm(d: Time): void {
    if (this.timer !== 0) {
      if (this.timerAt <= d) return;
      this.sched.cancel(this.timer);
      this.timer = 0;
    }
    if (!Number.isFinite(d)) return;
    this.timerAt = Math.max(d, this.sched.now);
    this.timer = this.sched.at(this.timerAt, StackSlot.fire, this);
  }

  /** Takes up to `max` frames from this instance's NIC ring into the stack; returns how many. */
  receiveBatch(max: number): number {
    if (this.ring.length === 0) return 0; // most passes are for commands or timers
    const n = this.nic.poll(this.index, max, this.rxBuf);
    for (let i = 0; i < n; i++) {
      const rx = this.rxBuf[i];
      this.rxBuf[i] = undefined as unknown as RxBuffer;
      this.stack.receive(this.now(), rx);
    }
    return n;
  }

  /** Frames waiting in this instance's NIC ring. */
  get rxPending(): number {
    return this.ring.length;
  }

  /**
   * Runs the stack's timers if one is due at the current point of the item;
   * returns the stack's next deadline afterwards.
   */
  runTimers(): Time {
    const now = this.now();
    const d = this.stack.nextDeadline();
    if (d > now) return d;
    this.stack.poll(now);
    return this.stack.nextDeadline();
  }

  /** A local port whose flow the NIC hashes back to this instance. */
  localPortFor(remote: Endpoint): number {
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const port = EPHEMERAL_FIRST + ((this.nextPort + i) % EPHEMERAL_COUNT);
      if (this.nic.workerOf(IPPROTO_TCP, this.ip, port, remote.addr, remote.port) === this.index) {
        this.nextPort = (this.nextPort + i + 1) % EPHEMERAL_COUNT;
        return port;
      }
    }
    throw new Error(`no ephemeral port hashes to stack ${this.index}`);
  }

  private transmit(frame: TxFrame): void {
    const ctx = this.ctx;
    if (ctx === null) throw new Error(`stack ${this.index} transmitted outside a work item`);
    ctx.thenCall(this.doTransmit, frame);
  }

  /**
   * Hands a frame to the NIC at its point in the work item (one handler per
   * slot: no per-frame closure), on the port of its destination neighbour.
   */
  private readonly doTransmit = (t: Time, frame: TxFrame): void => {
    const egress = this.egress;
    this.nic.transmit(t, egress === null ? 0 : egress.portOf(frame.header), frame);
  };

  private static fire(t: Time, self: StackSlot): void {
    self.timer = 0;
    self.timerAt = Infinity;
    const d = self.stack.nextDeadline();
    if (d > t) self.arm(d);
    else self.onTimer();
  }
}

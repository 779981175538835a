/**
 * The receive side of one CPU in the Linux model: interrupt coalescing on
 * its RSS queue, the interrupt and NAPI poll (softirq) that take frames
 * through the stack, timer interrupts, and the socket lookup that finds the
 * lock each frame is processed under.
 *
 * A frame on ring k raises an interrupt after {@link IRQ_COALESCE_DELAY};
 * the interrupt item (Priority.High) charges `irq`, then NAPI polls up to
 * {@link NAPI_BUDGET} frames (`napi_poll`, and `softirq_packet` +
 * `skb_alloc` per frame), each under the lock of the socket it belongs to (or
 * of the listening socket), then runs due timers.
 */
import { type Core, type CoreContext, Priority } from "../../../core/executor.ts";
import type { Lock } from "../../../core/lock.ts";
import { type Time, US } from "../../../core/time.ts";
import type { RxBuffer } from "../../../hw/buffers.ts";
import type { MpipeRxBuffer } from "../../../hw/mpipe.ts";
import type { ConnId, Endpoint } from "../../events.ts";
import type { Stack } from "../../stack.ts";
import { ETH_HEADER_LEN, ETH_TYPE_OFFSET, ETHERTYPE_IPV4 } from "../../wire/ethernet.ts";
import {
  HEADER_WORD_LEN,
  IPPROTO_TCP,
  IPV4_IHL_MASK,
  IPV4_PROTOCOL_OFFSET,
  IPV4_SRC_OFFSET,
  IPV4_VER_IHL_OFFSET,
} from "../../wire/ipv4.ts";
import { L4_PORTS_LEN } from "../../wire/tcp.ts";
import type { StackSlot } from "../slot.ts";
import { LINUX_OP_CATEGORY } from "./counters.ts";
import type { LinuxNode } from "./mod.ts";
import type { Socket } from "./socket.ts";

/**
 * Interrupt-coalescing delay from a frame reaching an idle ring to its
 * interrupt (ethtool rx-usecs; drivers default to a few us). Approximation,
 * docs/LINUX_MODEL.md.
 */
export const IRQ_COALESCE_DELAY: Time = 3 * US;
/** Frames one NAPI poll takes before yielding (NAPI_POLL_WEIGHT, include/linux/netdevice.h). */
export const NAPI_BUDGET = 64;

/** Multiplier placing a 16-bit port below a 32-bit address in one exact JS number. */
const PORT_SPAN = 0x10000;

/** Where a core's NIC interrupt stands. */
const IRQ_IDLE = 0;
const IRQ_COALESCING = 1;
const IRQ_NAPI = 2;

/** One CPU's kernel side: its RSS queue, interrupt state, softirq work and protocol state. */
export class Cpu {
  readonly slot: StackSlot;
  /** This core's sockets by connection id. */
  readonly sockets = new Map<ConnId, Socket>();
  /**
   * Socket demultiplexing: local port -> (remote address, remote port) ->
   * socket. A local port with one socket (a client's ephemeral port) maps
   * straight to it, checked against its remote key: one lookup, no key built.
   */
  readonly byTuple = new Map<number, Socket | Map<number, Socket>>();
  irq = IRQ_IDLE;
  /** Hardware interrupts to charge in the next softirq item. */
  pendingIrqs = 0;
  /** A softirq item is queued and not yet dispatched. */
  queued = false;
  /** The last NAPI poll used its whole budget. */
  exhausted = false;
  private readonly rxBuf: MpipeRxBuffer[] = [];

  constructor(readonly node: LinuxNode, readonly index: number, readonly core: Core) {
    this.slot = node.newSlot(index, core, {
      onEvent: (ev) => node.kernelEvent(this, ev),
      onTimer: () => this.timerInterrupt(),
      txChecksumOffload: true,
    });
  }

  get stack(): Stack {
    return this.slot.stack;
  }

  /** The NIC pushed a frame onto this core's ring. */
  nicWake(): void {
    if (this.irq !== IRQ_IDLE) return; // coalescing, or NAPI will see it
    this.irq = IRQ_COALESCING;
    this.node.sched.at(this.node.sched.now + IRQ_COALESCE_DELAY, Cpu.fireIrq, this);
  }

  private timerInterrupt(): void {
    this.node.counters.timerInterrupts++;
    this.raise(true);
  }

  private static fireIrq(_t: Time, cpu: Cpu): void {
    cpu.irq = IRQ_NAPI;
    cpu.node.counters.interrupts++;
    cpu.raise(true);
  }

  /** Schedules softirq work on this core, with a hardware interrupt to pay or not. */
  raise(hardIrq: boolean): void {
    if (hardIrq) this.pendingIrqs++;
    if (this.queued) return;
    this.queued = true;
    this.core.submit(Cpu.softirq, this as Cpu, Priority.High);
  }

  /** Interrupt entry plus net_rx_action / timer softirq on this core. */
  static softirq(ctx: CoreContext, cpu: Cpu): void {
    const node = cpu.node;
    const c = node.costs;
    cpu.queued = false;
    if (cpu.pendingIrqs > 0) {
      ctx.charge(LINUX_OP_CATEGORY.irq, c.irq * cpu.pendingIrqs);
      cpu.pendingIrqs = 0;
    }
    const slot = cpu.slot;
    node.bind(slot, ctx);
    const napi = cpu.irq === IRQ_NAPI;
    if (napi) {
      ctx.charge(LINUX_OP_CATEGORY.napi_poll, c.napi_poll);
      node.counters.napiPolls++;
      let n = 0;
      while (n < NAPI_BUDGET && cpu.receiveOne(ctx)) n++;
      cpu.exhausted = n === NAPI_BUDGET;
    }
    slot.end(slot.runTimers());
    if (napi) ctx.thenCall(Cpu.napiEnd, cpu);
  }

  /** End of a NAPI poll: re-enable the interrupt, or keep polling when frames are left. */
  private static napiEnd(_t: Time, cpu: Cpu): void {
    if (cpu.slot.rxPending === 0) {
      cpu.irq = IRQ_IDLE;
      return;
    }
    // Budget used up: NAPI stays scheduled (no interrupt). Otherwise frames came in during
    // the poll after it had emptied the ring: the re-enabled interrupt fires at once.
    if (!cpu.exhausted) cpu.node.counters.interrupts++;
    cpu.raise(!cpu.exhausted);
  }

  /** Takes one frame from the ring through the stack, under its socket's lock. */
  private receiveOne(ctx: CoreContext): boolean {
    const node = this.node;
    if (node.nic.poll(this.index, 1, this.rxBuf) === 0) return false;
    const rx = this.rxBuf[0];
    this.rxBuf[0] = undefined as unknown as MpipeRxBuffer;
    this.slot.taken(rx);
    const c = node.costs;
    ctx.charge(LINUX_OP_CATEGORY.softirq_packet, c.softirq_packet);
    ctx.charge(LINUX_OP_CATEGORY.skb_alloc, c.skb_alloc);
    node.counters.softirqPackets++;
    const lock = this.lockFor(rx);
    if (lock !== null) node.lockHeld(ctx, lock);
    this.stack.receive(this.slot.now(), rx);
    if (lock !== null) node.unlockHeld(ctx, lock);
    return true;
  }

  /**
   * The lock tcp_v4_rcv takes for a frame: its socket's, or the listening
   * socket's for a segment of no known connection to a listening port.
   */
  private lockFor(rx: RxBuffer): Lock | null {
    const b = rx.ref.mem.read(rx.ref.off, rx.ref.len);
    const ip = ETH_HEADER_LEN;
    if (
      b.length < ip + 1 || ((b[ETH_TYPE_OFFSET] << 8) | b[ETH_TYPE_OFFSET + 1]) !== ETHERTYPE_IPV4
    ) {
      return null;
    }
    const l4 = ip + (b[ip + IPV4_VER_IHL_OFFSET] & IPV4_IHL_MASK) * HEADER_WORD_LEN;
    if (b.length < l4 + L4_PORTS_LEN || b[ip + IPV4_PROTOCOL_OFFSET] !== IPPROTO_TCP) return null;
    const s = ip + IPV4_SRC_OFFSET;
    const src = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
    const srcPort = (b[l4] << 8) | b[l4 + 1];
    const dstPort = (b[l4 + 2] << 8) | b[l4 + 3];
    const e = this.byTuple.get(dstPort);
    if (e !== undefined) {
      const sock = e instanceof Map ? e.get(src * PORT_SPAN + srcPort) : e;
      if (sock !== undefined && sock.remoteKey === src * PORT_SPAN + srcPort) return sock.lock;
    }
    return this.node.listening.has(dstPort) ? this.node.listenLock(dstPort) : null;
  }

  register(sock: Socket, localPort: number, remote: Endpoint): void {
    sock.localPort = localPort;
    sock.remoteKey = remote.addr * PORT_SPAN + remote.port;
    const e = this.byTuple.get(localPort);
    if (e === undefined || (!(e instanceof Map) && e.remoteKey === sock.remoteKey)) {
      this.byTuple.set(localPort, sock);
    } else if (e instanceof Map) {
      e.set(sock.remoteKey, sock);
    } else {
      this.byTuple.set(localPort, new Map([[e.remoteKey, e], [sock.remoteKey, sock]]));
    }
  }

  unregister(sock: Socket): void {
    if (this.sockets.get(sock.conn) === sock) this.sockets.delete(sock.conn);
    if (sock.localPort < 0) return;
    const e = this.byTuple.get(sock.localPort);
    if (e === sock) this.byTuple.delete(sock.localPort);
    else if (e instanceof Map && e.get(sock.remoteKey) === sock) {
      e.delete(sock.remoteKey);
      if (e.size === 0) this.byTuple.delete(sock.localPort);
    }
  }
}

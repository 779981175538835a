/**
 * Linux-baseline mode: the kernel TCP/IP stack on the same board, under the
 * same application, with the kernel mechanisms that cost it time on real
 * hardware modelled as work, queueing and locks (docs/LINUX_MODEL.md).
 *
 * - Cores: every used tile (net + app cores of the layout) runs one
 *   application thread and takes the interrupts of its own RSS queue (NIC
 *   worker k = core k). The kernel's protocol state is one {@link StackSlot}
 *   per core (RSS keeps a flow on one CPU), costed with the Linux table.
 * - Receive: a frame on ring k raises an interrupt after
 *   {@link IRQ_COALESCE_DELAY}; the interrupt item (Priority.High) charges
 *   `irq`, then NAPI polls up to {@link NAPI_BUDGET} frames (`napi_poll`, and
 *   `softirq_packet` + `skb_alloc` per frame), each under the lock of the
 *   socket it belongs to (or of the listening socket), then runs due timers.
 * - Events the stack raises are queued on the connection's socket and put it
 *   on the owning thread's epoll ready list (under the thread's epoll lock);
 *   a blocked owner is woken (`wakeup` on the waker's core; a remote wake
 *   when the owner runs on another core) and pays a `context_switch`.
 * - Application threads (Priority.Normal) return from epoll_wait (`syscall`
 *   + `epoll_wait` + `epoll_event` per ready socket) and serve one ready
 *   socket per item: accept (listen-socket lock), read (socket lock, copy of
 *   the bytes into the thread's user buffer, the receive buffers freed at
 *   once), getsockopt for connect, read of 0 for a FIN; the app then sees the
 *   event with references into user memory only.
 * - The app's send is write(): the bytes are copied into a fresh kernel
 *   buffer under the socket lock and handed to the stack; the app's
 *   `data_acked` follows as soon as write() returns. The stack's own
 *   data_acked frees the kernel copy (`skb_free`) and is not forwarded.
 * - Locks are {@link Lock}s from the node's {@link LockTable}: a lock per
 *   socket, an epoll lock per thread, one lock per listening port shared by
 *   every core (no SO_REUSEPORT), so contention grows with cores.
 *
 * The functional code runs at each item's dispatch while its costs are
 * replayed later: the queueing of an event on a socket happens at the
 * waker's cursor time (a thenCall), so a thread never sees an event before
 * the kernel work that raised it has been paid for.
 */
import { Core, type CoreContext, GuestContext, Priority } from "../../core/executor.ts";
import { type Lock, LockTable } from "../../core/lock.ts";
import type { Scheduler } from "../../core/scheduler.ts";
import { type Time, US } from "../../core/time.ts";
import type { Category } from "../../core/work.ts";
import type { Board } from "../../hw/board.ts";
import { LINUX_TILEGX_COSTS, type LinuxCosts, type LinuxOp } from "../../hw/costs/linux.ts";
import { isRegionView, MemoryRegion, ProtectionFault, regionOf } from "../../hw/memory.ts";
import { Mpipe } from "../../hw/mpipe.ts";
import type { App, ConnRef, SocketApi } from "../socket.ts";
import { Bytes, totalLen } from "../buf.ts";
import type { BufRef, Memory, RxBuffer } from "../../hw/buffers.ts";
import type { ConnId, Endpoint, SocketEvent } from "../events.ts";
import type { Stack } from "../stack.ts";
import { ETH_HEADER_LEN } from "../wire/ethernet.ts";
import { ETHERTYPE_IPV4, IPPROTO_TCP } from "../wire/repr.ts";
import type { Layout } from "./layout.ts";
import { appEnv, type HostedNode, layoutTiles, type NodeConfig, nodeRegions } from "./node.ts";
import { StackSlot } from "./slot.ts";
import { GuestSocketApi } from "./guest.ts";

/**
 * Interrupt-coalescing delay from a frame reaching an idle ring to its
 * interrupt (ethtool rx-usecs; drivers default to a few us). Approximation,
 * docs/LINUX_MODEL.md.
 */
export const IRQ_COALESCE_DELAY: Time = 3 * US;
/** Frames one NAPI poll takes before yielding (NAPI_POLL_WEIGHT, include/linux/netdevice.h). */
export const NAPI_BUDGET = 64;
/** Events one epoll_wait returns at most (libevent's initial epoll array, as memcached uses). */
export const EPOLL_MAX_EVENTS = 32;
/** Bytes one read() call asks for (approximation: a 64 KiB application read buffer). */
export const READ_MAX_BYTES = 64 * 1024;
/** Default per-thread user receive buffer (approximation; reads overflow into fresh memory). */
export const USER_BUFFER_BYTES = 256 * 1024;
/** Payload bytes per kernel socket buffer on transmit (TCP MSS 1460, facts.md; no TSO). */
export const SKB_PAYLOAD_BYTES = 1460;
/** The kernel's protection domain (receive buffers, kernel copies, user-buffer writes). */
export const KERNEL_DOMAIN = "kernel";
/** The application's protection domain (its transmit memory and user buffers). */
export const APP_DOMAIN = "app";

/** Offsets inside an IPv4 header (RFC 791) and a TCP header (RFC 9293) read to find the socket. */
const ETHERTYPE_OFF = 12;
const IP_PROTO_OFF = 9;
const IP_SRC_OFF = 12;
const IHL_MASK = 0x0f;
const IHL_UNIT = 4;
/** Bytes of the TCP header holding the two ports. */
const TCP_PORTS_LEN = 4;
/** Multiplier placing a 16-bit port below a 32-bit address in one exact JS number. */
const PORT_SPAN = 0x10000;

/** Which profiling category each kernel operation's cycles are filed under. */
export const LINUX_OP_CATEGORY: Readonly<Record<LinuxOp, Category>> = Object.freeze({
  syscall: "syscall",
  copy_call: "copy",
  irq: "irq",
  softirq_packet: "irq",
  napi_poll: "irq",
  skb_alloc: "nic",
  skb_free: "nic",
  wakeup: "sched",
  context_switch: "sched",
  // The lock operations themselves (atomics, cache-line transfer): what a profile shows as
  // time in spinlock functions even without contention; spinning adds to the same category.
  socket_lock: "lock-spin",
  epoll_wait: "syscall",
  epoll_event: "syscall",
});

/** How accept() assigns new connections to application threads. */
export type Affinity = "round-robin" | "local";

export interface LinuxConfig extends NodeConfig {
  readonly board: Board;
  /** Uses net + app cores of the layout, each running a thread and its RSS queue. */
  readonly layout: Layout;
  readonly costs?: LinuxCosts;
  /** Default "round-robin" (memcached's dispatcher); "local": the core whose softirq saw it. */
  readonly affinity?: Affinity;
  /** Bytes of each thread's user receive buffer (default {@link USER_BUFFER_BYTES}). */
  readonly userBufferBytes?: number;
}

/** Counters of the Linux host layer (the stacks and the NIC keep their own). */
export interface LinuxCounters {
  syscalls: number;
  /** copy_to_user calls and bytes (read). */
  copiesOut: number;
  copyOutBytes: number;
  /** copy_from_user calls and bytes (write). */
  copiesIn: number;
  copyInBytes: number;
  /** NIC interrupts and local timer interrupts taken. */
  interrupts: number;
  timerInterrupts: number;
  napiPolls: number;
  softirqPackets: number;
  /** Wakeups of a blocked thread from its own core / another core. */
  wakeupsLocal: number;
  wakeupsRemote: number;
  /**
   * Of those, wakeups found needed only when the event was queued (the owner
   * blocked after the waker's item had started); their `wakeup` cost is paid
   * by the woken thread.
   */
  wakeupsLate: number;
  contextSwitches: number;
  epollWaits: number;
  /** Ready sockets returned by epoll_wait. */
  epollEvents: number;
  /** Events for a connection no socket exists for. */
  eventsOrphaned: number;
  /** Reads that did not fit the thread's user buffer and went to fresh memory. */
  userBufferOverflows: number;
  /** Protection faults raised by the application (a real process would die; counted here). */
  appFaults: number;
}

/** Acquisition statistics of one class of kernel locks. */
export interface LockClassStats {
  locks: number;
  acquisitions: number;
  contended: number;
  /** Total time spent waiting (ps). */
  totalWait: Time;
}

export type LockClass = "socket" | "epoll" | "listen";
const LOCK_CLASSES: readonly LockClass[] = ["socket", "epoll", "listen"];

function newCounters(): LinuxCounters {
  return {
    syscalls: 0,
    copiesOut: 0,
    copyOutBytes: 0,
    copiesIn: 0,
    copyInBytes: 0,
    interrupts: 0,
    timerInterrupts: 0,
    napiPolls: 0,
    softirqPackets: 0,
    wakeupsLocal: 0,
    wakeupsRemote: 0,
    wakeupsLate: 0,
    contextSwitches: 0,
    epollWaits: 0,
    epollEvents: 0,
    eventsOrphaned: 0,
    userBufferOverflows: 0,
    appFaults: 0,
  };
}

/** Reads `ref` as the kernel does (copy_from_user): through the kernel's view of a region. */
function kernelRead(ref: BufRef): Uint8Array {
  const m = ref.mem;
  if (isRegionView(m)) return regionOf(m).view(KERNEL_DOMAIN).read(ref.off, ref.len);
  return m.read(ref.off, ref.len);
}

/** One chunk of a thread's user buffer: the destination of one read() call. */
interface UserChunk {
  readonly id: number;
  readonly off: number;
  readonly len: number;
  readonly tag: unknown;
  live: boolean;
}

/**
 * A thread's receive buffer in user memory: chunks allocated in ring order,
 * one per read() call, each freed when the application is done with it
 * (its recv_done) or its connection is cleaned up.
 */
export class UserBuffer {
  private region: MemoryRegion | null = null;
  private readonly chunks: UserChunk[] = [];
  private head = 0;
  private readonly byId = new Map<number, UserChunk>();

  constructor(readonly name: string, readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`user buffer ${name}: size must be a positive integer, got ${size}`);
    }
  }

  /** Bytes in live chunks. */
  get used(): number {
    let n = 0;
    for (let i = this.head; i < this.chunks.length; i++) {
      if (this.chunks[i].live) n += this.chunks[i].len;
    }
    return n;
  }

  /** The region (created on first use), writable by the kernel and the application. */
  get memory(): MemoryRegion {
    if (this.region === null) {
      this.region = new MemoryRegion(this.name, this.size)
        .grant(KERNEL_DOMAIN, "read-write")
        .grant(APP_DOMAIN, "read-write");
    }
    return this.region;
  }

  /** Allocates `len` contiguous bytes for chunk `id`; returns the offset or -1 when full. */
  alloc(id: number, len: number, tag: unknown): number {
    if (!(len >= 1) || len > this.size) return -1;
    let off = -1;
    if (this.head === this.chunks.length) {
      off = 0;
    } else {
      const front = this.chunks[this.head].off;
      const last = this.chunks[this.chunks.length - 1];
      const end = last.off + last.len;
      if (last.off >= front) {
        if (end + len <= this.size) off = end;
        else if (len <= front) off = 0;
      } else if (end + len <= front) {
        off = end;
      }
    }
    if (off < 0) return -1;
    const c: UserChunk = { id, off, len, tag, live: true };
    this.chunks.push(c);
    this.byId.set(id, c);
    return off;
  }

  /** Frees chunk `id` (unknown ids are ignored); returns whether it was live. */
  free(id: number): boolean {
    const c = this.byId.get(id);
    if (c === undefined) return false;
    this.byId.delete(id);
    c.live = false;
    while (this.head < this.chunks.length && !this.chunks[this.head].live) this.head++;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    }
    return true;
  }

  /** Frees every live chunk allocated with `tag`. */
  freeTagged(tag: unknown): void {
    const ids: number[] = [];
    for (let i = this.head; i < this.chunks.length; i++) {
      const c = this.chunks[i];
      if (c.live && c.tag === tag) ids.push(c.id);
    }
    for (const id of ids) this.free(id);
  }
}

/** A kernel socket: its lock, its queue of events for the owning thread, its kernel send copies. */
class Socket {
  events: SocketEvent[] = [];
  /** On the owner's epoll ready list. */
  inReady = false;
  /** Kernel send copies in flight: kernel token -> socket buffers it occupies. */
  readonly inflight = new Map<number, number>();
  /** Tuple key in the per-core demultiplexing table (-1: not registered). */
  localPort = -1;
  remoteKey = -1;

  constructor(
    readonly stack: number,
    readonly conn: ConnId,
    readonly owner: Thread,
    readonly lock: Lock,
  ) {}
}

/** Argument of the callback that queues an event at the waker's cursor time. */
interface Delivery {
  readonly node: LinuxNode;
  readonly sock: Socket;
  readonly ev: SocketEvent;
  /** The waker decided to wake the (blocked) owner. */
  readonly wake: boolean;
  /** The waker runs on the owner's core. */
  readonly local: boolean;
}

/** Where a core's NIC interrupt stands. */
const IRQ_IDLE = 0;
const IRQ_COALESCING = 1;
const IRQ_NAPI = 2;

/** One CPU's kernel side: its RSS queue, interrupt state, softirq work and protocol state. */
class Cpu {
  readonly slot: StackSlot;
  /** This core's sockets by connection id. */
  readonly sockets = new Map<ConnId, Socket>();
  /** Socket demultiplexing: local port -> (remote address, remote port) -> socket. */
  readonly byTuple = new Map<number, Map<number, Socket>>();
  irq = IRQ_IDLE;
  /** Hardware interrupts to charge in the next softirq item. */
  pendingIrqs = 0;
  /** A softirq item is queued and not yet dispatched. */
  queued = false;
  /** The last NAPI poll used its whole budget. */
  exhausted = false;
  private readonly rxBuf: RxBuffer[] = [];

  constructor(readonly node: LinuxNode, readonly index: number, readonly core: Core) {
    this.slot = new StackSlot({
      sched: node.sched,
      core,
      nic: node.nic,
      index,
      node: node.cfg,
      costs: node.costs,
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
    this.rxBuf[0] = undefined as unknown as RxBuffer;
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
    if (b.length < ip + 1 || ((b[ETHERTYPE_OFF] << 8) | b[ETHERTYPE_OFF + 1]) !== ETHERTYPE_IPV4) {
      return null;
    }
    const l4 = ip + (b[ip] & IHL_MASK) * IHL_UNIT;
    if (b.length < l4 + TCP_PORTS_LEN || b[ip + IP_PROTO_OFF] !== IPPROTO_TCP) return null;
    const s = ip + IP_SRC_OFF;
    const src = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) >>> 0;
    const srcPort = (b[l4] << 8) | b[l4 + 1];
    const dstPort = (b[l4 + 2] << 8) | b[l4 + 3];
    const sock = this.byTuple.get(dstPort)?.get(src * PORT_SPAN + srcPort);
    if (sock !== undefined) return sock.lock;
    return this.node.listening.has(dstPort) ? this.node.listenLock(dstPort) : null;
  }

  register(sock: Socket, localPort: number, remote: Endpoint): void {
    let m = this.byTuple.get(localPort);
    if (m === undefined) this.byTuple.set(localPort, m = new Map());
    sock.localPort = localPort;
    sock.remoteKey = remote.addr * PORT_SPAN + remote.port;
    m.set(sock.remoteKey, sock);
  }

  unregister(sock: Socket): void {
    if (this.sockets.get(sock.conn) === sock) this.sockets.delete(sock.conn);
    if (sock.localPort < 0) return;
    const m = this.byTuple.get(sock.localPort);
    if (m !== undefined && m.get(sock.remoteKey) === sock) {
      m.delete(sock.remoteKey);
      if (m.size === 0) this.byTuple.delete(sock.localPort);
    }
  }
}

/** Thread states: blocked in epoll_wait, wake decided but not yet running, runnable/running. */
const TH_BLOCKED = 0;
const TH_WAKING = 1;
const TH_RUNNING = 2;

/** A pending data_acked for the application (delivered after write() returns). */
interface AppAck {
  readonly stack: number;
  readonly conn: ConnId;
  readonly token: number;
}

/** One application thread, pinned to one core, with its own epoll instance. */
class Thread implements SocketApi {
  state = TH_BLOCKED;
  /** The thread's next item pays a context switch (it was blocked). */
  switchIn = false;
  /** The thread's next item pays the wakeup a waker could not know it needed. */
  wakeOwed = false;
  ctx: CoreContext | null = null;
  readonly epLock: Lock;
  readonly userBuf: UserBuffer;
  /** Epoll ready list (FIFO) and the sockets the last epoll_wait returned. */
  private ready: Socket[] = [];
  private batch: Socket[] = [];
  private batchHead = 0;
  private readonly acks: AppAck[] = [];
  private nextChunk = 1;
  /** The socket API and work context as the application holds them (no path to the kernel). */
  readonly api: GuestSocketApi;
  private guest: GuestContext | null = null;

  constructor(readonly node: LinuxNode, readonly index: number, readonly core: Core) {
    this.epLock = node.locks.get(`${node.name}/epoll:${index}`);
    this.userBuf = new UserBuffer(
      `${node.name}/user:${index}`,
      node.cfg.userBufferBytes ?? USER_BUFFER_BYTES,
    );
    this.api = new GuestSocketApi(this, {
      stacks: node.cfg.layout.net + node.cfg.layout.app,
      domain: APP_DOMAIN,
    });
  }

  private guestOf(ctx: CoreContext): GuestContext {
    return this.guest ??= new GuestContext(ctx, (e) =>
      this.node.guard(null, () => {
        throw e;
      }));
  }

  /** Puts `sock` on the ready list (called at the waker's cursor time). */
  markReady(sock: Socket): void {
    if (sock.inReady) return;
    sock.inReady = true;
    this.ready.push(sock);
  }

  private hasWork(): boolean {
    if (this.batchHead < this.batch.length) return true;
    for (const s of this.ready) if (s.events.length > 0) return true;
    return false;
  }

  static start(ctx: CoreContext, th: Thread): void {
    th.state = TH_RUNNING;
    th.ctx = ctx;
    th.callApp(ctx, () => th.node.app.start(th.guestOf(ctx), th.api));
    th.ctx = null;
    ctx.thenCall(Thread.endCheck, th);
  }

  /** One pass: return from epoll_wait if needed, then serve one ready socket. */
  static run(ctx: CoreContext, th: Thread): void {
    const node = th.node;
    const c = node.costs;
    th.state = TH_RUNNING;
    th.ctx = ctx;
    if (th.wakeOwed) {
      th.wakeOwed = false;
      ctx.charge(LINUX_OP_CATEGORY.wakeup, c.wakeup);
    }
    if (th.switchIn) {
      th.switchIn = false;
      node.counters.contextSwitches++;
      ctx.charge(LINUX_OP_CATEGORY.context_switch, c.context_switch);
    }
    if (th.batchHead >= th.batch.length) th.epollWait(ctx);
    if (th.batchHead < th.batch.length) {
      const sock = th.batch[th.batchHead];
      th.batch[th.batchHead++] = undefined as unknown as Socket;
      th.serve(ctx, sock);
    }
    th.ctx = null;
    ctx.thenCall(Thread.endCheck, th);
  }

  /** At the end of an item: loop when more is ready, else block in epoll_wait. */
  private static endCheck(_t: Time, th: Thread): void {
    if (th.hasWork()) {
      th.state = TH_RUNNING;
      th.core.submit(Thread.run, th);
    } else {
      th.state = TH_BLOCKED;
    }
  }

  /** Submits the thread's next item after a wakeup (at the waker's cursor time). */
  wake(): void {
    this.switchIn = true;
    this.core.submit(Thread.run, this as Thread);
  }

  private epollWait(ctx: CoreContext): void {
    const node = this.node;
    const c = node.costs;
    node.syscall(ctx);
    ctx.charge(LINUX_OP_CATEGORY.epoll_wait, c.epoll_wait);
    node.counters.epollWaits++;
    ctx.acquire(this.epLock);
    ctx.charge(LINUX_OP_CATEGORY.socket_lock, c.socket_lock);
    const out: Socket[] = [];
    let i = 0;
    for (; i < this.ready.length && out.length < EPOLL_MAX_EVENTS; i++) {
      const s = this.ready[i];
      s.inReady = false;
      if (s.events.length > 0) out.push(s);
    }
    this.ready = i === this.ready.length ? [] : this.ready.slice(i);
    ctx.release(this.epLock);
    ctx.charge(LINUX_OP_CATEGORY.epoll_event, c.epoll_event * out.length);
    node.counters.epollEvents += out.length;
    this.batch = out;
    this.batchHead = 0;
  }

  /** Handles the events queued on one ready socket, in order. */
  private serve(ctx: CoreContext, sock: Socket): void {
    const evs = sock.events;
    sock.events = [];
    const node = this.node;
    let i = 0;
    while (i < evs.length) {
      const ev = evs[i];
      if (ev.kind === "new_data") {
        let j = i + 1;
        while (j < evs.length && evs[j].kind === "new_data") j++;
        this.read(ctx, sock, evs, i, j);
        i = j;
        continue;
      }
      i++;
      switch (ev.kind) {
        case "new_conn": {
          // accept(): the listening socket's lock, then the connection is ours.
          node.syscall(ctx);
          const lock = node.listenLock(ev.listenPort);
          node.lockHeld(ctx, lock);
          node.inStack(sock.stack, ctx, (s) => s.accept(sock.conn));
          node.unlockHeld(ctx, lock);
          break;
        }
        case "connected":
          // The non-blocking connect completed: getsockopt(SO_ERROR).
          node.syscall(ctx);
          break;
        case "remote_closed":
          // read() returns 0.
          node.syscall(ctx);
          node.lockHeld(ctx, sock.lock);
          node.unlockHeld(ctx, sock.lock);
          break;
        default:
          break;
      }
      this.appEvent(ctx, sock, ev);
      if (ev.kind === "cleanup") this.userBuf.freeTagged(sock);
    }
  }

  /** read() calls for events i..j (all new_data): copies into user memory, frees the skbs. */
  private read(
    ctx: CoreContext,
    sock: Socket,
    evs: readonly SocketEvent[],
    i: number,
    j: number,
  ): void {
    const node = this.node;
    const c = node.costs;
    let total = 0;
    for (let k = i; k < j; k++) total += (evs[k] as { bytes: number }).bytes;
    // Cursor over the kernel's receive references.
    let ev = i, ref = 0, refOff = 0;
    while (total > 0) {
      const n = Math.min(total, READ_MAX_BYTES);
      total -= n;
      node.syscall(ctx);
      node.lockHeld(ctx, sock.lock);
      ctx.charge(LINUX_OP_CATEGORY.copy_call, c.copy_call);
      ctx.charge("copy", c.copy_byte * n);
      node.counters.copiesOut++;
      node.counters.copyOutBytes += n;
      const id = this.nextChunk++;
      let dst: Memory;
      let dstOff = this.userBuf.alloc(id, n, sock);
      let write: (off: number, b: Uint8Array) => void;
      if (dstOff >= 0) {
        const region = this.userBuf.memory;
        const kv = region.view(KERNEL_DOMAIN);
        write = (off, b) => kv.write(off, b);
        dst = region.view(APP_DOMAIN);
      } else {
        node.counters.userBufferOverflows++;
        const bytes = new Bytes(new Uint8Array(n), `${this.userBuf.name}/overflow`);
        write = (off, b) => bytes.data.set(b, off);
        dst = bytes;
        dstOff = 0;
      }
      // Copy n bytes, releasing each kernel delivery once all of it is copied.
      let left = n, at = dstOff;
      while (left > 0) {
        const e = evs[ev] as Extract<SocketEvent, { kind: "new_data" }>;
        const r = e.refs[ref];
        const len = Math.min(r.len - refOff, left);
        write(at, r.mem.read(r.off + refOff, len));
        at += len;
        left -= len;
        refOff += len;
        if (refOff === r.len) {
          ref++;
          refOff = 0;
        }
        while (ev < j && ref >= (evs[ev] as { refs: readonly BufRef[] }).refs.length) {
          this.freeDelivery(ctx, sock, evs[ev] as Extract<SocketEvent, { kind: "new_data" }>);
          ev++;
          ref = 0;
          refOff = 0;
        }
      }
      node.unlockHeld(ctx, sock.lock);
      this.appEvent(ctx, sock, {
        kind: "new_data",
        conn: sock.conn,
        rxId: id,
        refs: [{ mem: dst, off: dstOff, len: n }],
        bytes: n,
      });
    }
    // Zero-byte deliveries (none expected) still release their buffers.
    while (ev < j) {
      this.freeDelivery(ctx, sock, evs[ev] as Extract<SocketEvent, { kind: "new_data" }>);
      ev++;
    }
  }

  /** The kernel is done with one delivery: its receive buffers go back (skb_free each). */
  private freeDelivery(
    ctx: CoreContext,
    sock: Socket,
    e: Extract<SocketEvent, { kind: "new_data" }>,
  ): void {
    const node = this.node;
    ctx.charge(LINUX_OP_CATEGORY.skb_free, node.costs.skb_free * e.refs.length);
    // recvmsg's tcp_cleanup_rbuf: a window update the release makes due is sent from here.
    const slot = node.slotOf(sock.stack);
    node.inStack(sock.stack, ctx, (s) => {
      s.recvDone(sock.conn, e.rxId);
      slot.runTimers();
    });
  }

  /** Delivers an event to the application, then the data_acked of its writes. */
  private appEvent(ctx: CoreContext, sock: Socket, ev: SocketEvent): void {
    this.callApp(ctx, () => this.node.app.onEvent(this.guestOf(ctx), this.api, sock.stack, ev));
  }

  private callApp(ctx: CoreContext, fn: () => void): void {
    const node = this.node;
    node.guard(ctx, fn);
    for (let k = 0; k < this.acks.length; k++) {
      const a = this.acks[k];
      const ev: SocketEvent = { kind: "data_acked", conn: a.conn, token: a.token };
      node.guard(ctx, () => node.app.onEvent(this.guestOf(ctx), this.api, a.stack, ev));
    }
    this.acks.length = 0;
  }

  private requireCtx(): CoreContext {
    const ctx = this.ctx;
    if (ctx === null) throw new Error("socket call issued outside an application work item");
    return ctx;
  }

  // ---- SocketApi: system calls ------------------------------------------

  listen(port: number, backlog: number): void {
    const ctx = this.requireCtx();
    const node = this.node;
    node.syscall(ctx);
    if (node.listening.has(port)) return;
    node.listening.add(port);
    for (let k = 0; k < node.cpuCount; k++) node.inStack(k, ctx, (s) => s.listen(port, backlog));
  }

  connect(remote: Endpoint, _tag: number): void {
    const ctx = this.requireCtx();
    const node = this.node;
    node.syscall(ctx);
    const cpu = node.cpu(this.index);
    let port = 0;
    let conn = -1;
    node.connecting = this;
    node.inStack(this.index, ctx, (s) => {
      port = cpu.slot.localPortFor(remote);
      conn = s.connect(cpu.slot.now(), remote, port);
    });
    node.connecting = null;
    let sock = cpu.sockets.get(conn);
    if (sock === undefined) {
      sock = node.newSocket(cpu, conn, this);
    }
    cpu.register(sock, port, remote);
  }

  /** accept() already ran before the application saw new_conn. */
  accept(_c: ConnRef): void {}

  /** The application is done with a read's bytes: its user-buffer chunk is reusable. */
  recvDone(_c: ConnRef, rxId: number): void {
    this.userBuf.free(rxId);
  }

  /** write(): copy the bytes into a kernel buffer under the socket lock and queue them. */
  send(c: ConnRef, refs: readonly BufRef[], token: number): void {
    const ctx = this.requireCtx();
    const node = this.node;
    const k = node.costs;
    node.syscall(ctx);
    const sock = node.socketOf(c);
    if (sock === null) return; // EBADF: the connection is gone
    const n = totalLen(refs);
    node.lockHeld(ctx, sock.lock);
    ctx.charge(LINUX_OP_CATEGORY.copy_call, k.copy_call);
    ctx.charge("copy", k.copy_byte * n);
    node.counters.copiesIn++;
    node.counters.copyInBytes += n;
    const data = new Uint8Array(n);
    let o = 0;
    for (const r of refs) {
      data.set(kernelRead(r), o);
      o += r.len;
    }
    const skbs = Math.ceil(n / SKB_PAYLOAD_BYTES);
    ctx.charge(LINUX_OP_CATEGORY.skb_alloc, k.skb_alloc * skbs);
    const ktoken = node.nextKernelToken++;
    sock.inflight.set(ktoken, skbs);
    const kref: BufRef[] = n > 0 ? [{ mem: new Bytes(data, "skb"), off: 0, len: n }] : [];
    node.inStack(
      sock.stack,
      ctx,
      (s) => s.send(node.slotOf(sock.stack).now(), sock.conn, kref, ktoken),
    );
    node.unlockHeld(ctx, sock.lock);
    this.acks.push({ stack: c.stack, conn: c.conn, token });
  }

  shutdown(c: ConnRef): void {
    this.sockCall(c, (s, now, conn) => s.shutdown(now, conn));
  }

  close(c: ConnRef): void {
    this.sockCall(c, (s, now, conn) => s.close(now, conn));
  }

  private sockCall(c: ConnRef, fn: (s: Stack, now: Time, conn: ConnId) => void): void {
    const ctx = this.requireCtx();
    const node = this.node;
    node.syscall(ctx);
    const sock = node.socketOf(c);
    if (sock === null) return;
    node.lockHeld(ctx, sock.lock);
    node.inStack(sock.stack, ctx, (s) => fn(s, node.slotOf(sock.stack).now(), sock.conn));
    node.unlockHeld(ctx, sock.lock);
  }
}

/** One board running the Linux kernel stack. */
export class LinuxNode implements HostedNode {
  readonly mode = "linux" as const;
  readonly name: string;
  readonly costs: LinuxCosts;
  readonly affinity: Affinity;
  readonly nic: Mpipe;
  readonly rxRegion: MemoryRegion;
  readonly txRegion: MemoryRegion;
  readonly appLocks = new LockTable();
  readonly app: App;
  readonly locks = new LockTable();
  readonly counters: LinuxCounters = newCounters();
  /** The last protection fault the application raised, if any. */
  lastFault: ProtectionFault | null = null;
  /** @internal ports with a listening socket. */
  readonly listening = new Set<number>();
  /** @internal the thread inside connect() (owns sockets created during the call). */
  connecting: Thread | null = null;
  /** @internal next token for the kernel's own send copies. */
  nextKernelToken = 1;
  private readonly cpus: Cpu[] = [];
  private readonly threads: Thread[] = [];
  /** A socket or listen lock the running kernel code holds (functional view). */
  private held: Lock | null = null;
  private rr = 0;

  constructor(readonly sched: Scheduler, readonly cfg: LinuxConfig) {
    this.name = cfg.name;
    this.costs = cfg.costs ?? LINUX_TILEGX_COSTS;
    this.affinity = cfg.affinity ?? "round-robin";
    const board = cfg.board;
    const tiles = layoutTiles(board, cfg.layout);
    ({ rxRegion: this.rxRegion, txRegion: this.txRegion } = nodeRegions(
      cfg,
      { nic: "read-write", [KERNEL_DOMAIN]: "read-write" },
      { [APP_DOMAIN]: "read-write", [KERNEL_DOMAIN]: "read" },
    ));
    this.nic = new Mpipe(sched, {
      workers: tiles.length,
      rxRegion: this.rxRegion,
      rxView: () => this.rxRegion.view(KERNEL_DOMAIN),
    });
    const tx = this.txRegion.view(APP_DOMAIN);
    this.app = cfg.app(tx, appEnv(sched, tx, this.appLocks, tiles.length));
    tiles.forEach((tile, k) => {
      const core = new Core(sched, board.clock, tile, `${cfg.name}/cpu${k}@${tile}`);
      const cpu = new Cpu(this, k, core);
      this.cpus.push(cpu);
      this.threads.push(new Thread(this, k, core));
      this.nic.setWake(k, () => cpu.nicWake());
    });
  }

  get board(): Board {
    return this.cfg.board;
  }
  get stacks(): Stack[] {
    return this.cpus.map((c) => c.stack);
  }
  get netCores(): Core[] {
    return this.cpus.map((c) => c.core);
  }
  get appCores(): Core[] {
    return this.netCores;
  }
  get cpuCount(): number {
    return this.cpus.length;
  }

  start(): void {
    for (const t of this.threads) t.core.submit(Thread.start, t);
  }

  /** Acquisition statistics per class of kernel lock. */
  lockStats(): Record<LockClass, LockClassStats> {
    const out = {} as Record<LockClass, LockClassStats>;
    for (const k of LOCK_CLASSES) {
      out[k] = { locks: 0, acquisitions: 0, contended: 0, totalWait: 0 };
    }
    for (const l of this.locks.list()) {
      const cls: LockClass | null = l.name.includes("/sock:")
        ? "socket"
        : l.name.includes("/epoll:")
        ? "epoll"
        : l.name.includes("/listen:")
        ? "listen"
        : null;
      if (cls === null) continue;
      const s = out[cls];
      s.locks++;
      s.acquisitions += l.acquisitions;
      s.contended += l.contended;
      s.totalWait += l.totalWait;
    }
    return out;
  }

  // ---- internals shared by the CPUs and threads ---------------------------

  /** @internal */
  cpu(k: number): Cpu {
    return this.cpus[k];
  }

  /** @internal */
  slotOf(k: number): StackSlot {
    return this.cpus[k].slot;
  }

  /** @internal the lock of the listening socket on `port`. */
  listenLock(port: number): Lock {
    return this.locks.get(`${this.name}/listen:${port}`);
  }

  /** @internal a system call's entry and exit. */
  syscall(ctx: CoreContext): void {
    this.counters.syscalls++;
    ctx.charge(LINUX_OP_CATEGORY.syscall, this.costs.syscall);
  }

  /** @internal takes a socket-level lock around kernel code that may raise events. */
  lockHeld(ctx: CoreContext, lock: Lock): void {
    ctx.acquire(lock);
    ctx.charge(LINUX_OP_CATEGORY.socket_lock, this.costs.socket_lock);
    this.held = lock;
  }

  /** @internal */
  unlockHeld(ctx: CoreContext, lock: Lock): void {
    this.held = null;
    ctx.release(lock);
  }

  /** @internal binds a core's stack slot to `ctx` (it must not be bound already). */
  bind(slot: StackSlot, ctx: CoreContext): void {
    if (slot.ctx !== null) {
      throw new Error(`${this.name}: stack ${slot.index} is already bound to a work item`);
    }
    slot.begin(ctx);
  }

  /** @internal runs `fn` on stack `k` with its accounting bound to `ctx`. */
  inStack(k: number, ctx: CoreContext, fn: (s: Stack) => void): void {
    const slot = this.cpus[k].slot;
    this.bind(slot, ctx);
    try {
      fn(slot.stack);
    } finally {
      slot.end();
    }
  }

  /** @internal the socket an application names, or null when it is gone. */
  socketOf(c: ConnRef): Socket | null {
    const cpu = this.cpus[c.stack];
    return cpu?.sockets.get(c.conn) ?? null;
  }

  /** @internal */
  newSocket(cpu: Cpu, conn: ConnId, owner: Thread): Socket {
    const sock = new Socket(
      cpu.index,
      conn,
      owner,
      this.locks.get(`${this.name}/sock:${cpu.index}.${conn}`),
    );
    cpu.sockets.set(conn, sock);
    return sock;
  }

  /** @internal an event raised by stack `cpu` inside whichever item has it bound. */
  kernelEvent(cpu: Cpu, ev: SocketEvent): void {
    const ctx = cpu.slot.ctx;
    if (ctx === null) throw new Error(`${this.name}: stack ${cpu.index} raised an event unbound`);
    if (ev.kind === "data_acked") {
      // The peer acknowledged a kernel send copy: free its socket buffers. Not forwarded.
      const sock = cpu.sockets.get(ev.conn);
      const skbs = sock?.inflight.get(ev.token);
      if (sock !== undefined && skbs !== undefined) {
        sock.inflight.delete(ev.token);
        ctx.charge(LINUX_OP_CATEGORY.skb_free, this.costs.skb_free * skbs);
      }
      return;
    }
    let sock = cpu.sockets.get(ev.conn);
    if (ev.kind === "new_conn") {
      const owner = this.affinity === "local"
        ? this.threads[cpu.index]
        : this.threads[this.rr++ % this.threads.length];
      sock = this.newSocket(cpu, ev.conn, owner);
      cpu.register(sock, ev.local.port, ev.remote);
    } else if (sock === undefined && this.connecting !== null) {
      sock = this.newSocket(cpu, ev.conn, this.connecting);
    }
    if (sock === undefined) {
      this.counters.eventsOrphaned++;
      return;
    }
    if (ev.kind === "cleanup") {
      cpu.unregister(sock);
      sock.inflight.clear();
    }
    this.deliver(ctx, sock, ev);
  }

  /**
   * Queues `ev` on its socket and the socket on its owner's ready list (the
   * epoll callback, under the socket lock unless the kernel code already
   * holds one), waking the owner if it is blocked.
   */
  private deliver(ctx: CoreContext, sock: Socket, ev: SocketEvent): void {
    const c = this.costs;
    const own = this.held === null;
    if (own) {
      ctx.acquire(sock.lock);
      ctx.charge(LINUX_OP_CATEGORY.socket_lock, c.socket_lock);
    }
    const owner = sock.owner;
    ctx.acquire(owner.epLock);
    ctx.charge(LINUX_OP_CATEGORY.socket_lock, c.socket_lock);
    const wake = owner.state === TH_BLOCKED;
    const local = owner.core === ctx.core;
    if (wake) {
      owner.state = TH_WAKING;
      ctx.charge(LINUX_OP_CATEGORY.wakeup, c.wakeup);
      if (local) this.counters.wakeupsLocal++;
      else this.counters.wakeupsRemote++;
    }
    const d: Delivery = { node: this, sock, ev, wake, local };
    ctx.thenCall(LinuxNode.enqueue, d);
    ctx.release(owner.epLock);
    if (own) ctx.release(sock.lock);
  }

  /** At the waker's cursor: the event is on the socket, the socket is ready, the owner woken. */
  private static enqueue(_t: Time, d: Delivery): void {
    const owner = d.sock.owner;
    d.sock.events.push(d.ev);
    owner.markReady(d.sock);
    if (d.wake) {
      owner.wake();
    } else if (owner.state === TH_BLOCKED) {
      // The owner blocked after the waker's item started: the wakeup happens now.
      const counters = d.node.counters;
      counters.wakeupsLate++;
      if (d.local) counters.wakeupsLocal++;
      else counters.wakeupsRemote++;
      owner.state = TH_WAKING;
      owner.wakeOwed = true;
      owner.wake();
    }
  }

  /**
   * @internal runs application code, containing its protection faults: the
   * fault is counted and the locks the code took on `ctx` and still holds are
   * released (counted in their faultReleases).
   */
  guard(ctx: CoreContext | null, fn: () => void): void {
    const mark = ctx === null ? 0 : ctx.heldCount;
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ProtectionFault)) throw e;
      this.counters.appFaults++;
      this.lastFault = e;
      if (ctx !== null) ctx.releaseAfterFault(mark);
    }
  }
}

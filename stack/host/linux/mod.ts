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
 *
 * The model's files, one mechanism each:
 * - mod.ts: {@link LinuxNode}, its configuration, the kernel's locks, and
 *   the delivery of the stack's events to sockets and threads (wakeups).
 * - irq.ts: per-CPU interrupt coalescing, NAPI poll and socket lookup.
 * - thread.ts: application threads: epoll, the system calls, context switches.
 * - socket.ts: the kernel socket.
 * - user_buffer.ts: protection domains, user buffers, copies from user memory.
 * - counters.ts: counters, lock statistics and the category of each kernel cost.
 */
import type { CoreContext } from "../../../core/executor.ts";
import { type Lock, LockTable } from "../../../core/lock.ts";
import type { Scheduler } from "../../../core/scheduler.ts";
import type { Time } from "../../../core/time.ts";
import type { Board } from "../../../hw/board.ts";
import { LINUX_TILEGX_COSTS, type LinuxCosts } from "../../../hw/costs/linux.ts";
import { ProtectionFault } from "../../../hw/memory.ts";
import type { ConnRef } from "../../socket.ts";
import type { ConnId, SocketEvent } from "../../events.ts";
import type { Stack } from "../../stack.ts";
import type { Layout } from "../layout.ts";
import { BoardNode } from "../builder.ts";
import { layoutTiles, type NodeConfig } from "../node.ts";
import type { StackSlot } from "../slot.ts";
import {
  LINUX_OP_CATEGORY,
  type LinuxCounters,
  LOCK_CLASSES,
  type LockClass,
  type LockClassStats,
  newCounters,
} from "./counters.ts";
import { Cpu } from "./irq.ts";
import { Socket } from "./socket.ts";
import { TH_BLOCKED, TH_WAKING, Thread } from "./thread.ts";
import { APP_DOMAIN, KERNEL_DOMAIN } from "./user_buffer.ts";

export {
  LINUX_OP_CATEGORY,
  type LinuxCounters,
  type LockClass,
  type LockClassStats,
} from "./counters.ts";
export { IRQ_COALESCE_DELAY, NAPI_BUDGET } from "./irq.ts";
export { EPOLL_MAX_EVENTS, READ_MAX_BYTES, SKB_PAYLOAD_BYTES } from "./thread.ts";
export { APP_DOMAIN, KERNEL_DOMAIN, USER_BUFFER_BYTES, UserBuffer } from "./user_buffer.ts";
export { type SocketKind } from "./socket.ts";

/** How accept() assigns new connections to application threads (`accept: "establish"`). */
export type Affinity = "round-robin" | "local";

/**
 * How new connections reach application threads.
 *
 * - `"establish"`: the owner is chosen when the connection is established
 *   ({@link Affinity}) and its thread pays accept() when it serves it.
 * - `"dispatcher"`: memcached 1.4/1.5 (`thread.c`, `memcached.c`): one more
 *   thread, the dispatcher (memcached's main thread), shares core 0 with
 *   thread 0; only its epoll watches the listening socket. It accept()s one
 *   connection per return from epoll_wait, picks a worker round-robin
 *   (`dispatch_conn_new`) and writes a byte to that worker's notification
 *   pipe; the worker reads the pipe, registers the connection with its epoll
 *   (epoll_ctl) and serves it.
 * - `"shared"`: nginx's default (accept_mutex off since 1.11.3, no
 *   `reuseport`): every thread's epoll watches the one listening socket with
 *   EPOLLEXCLUSIVE. A new connection is put on the ready list of each thread
 *   in registration order up to the first one blocked in epoll_wait, which
 *   is woken (ep_poll_callback; nginx's ngx_reorder_accept_events notes
 *   that "Linux with EPOLLEXCLUSIVE usually notifies only the process which
 *   was first to add the listening socket"). Whichever thread calls accept()
 *   first takes it; the others' accept() finds the queue empty (EAGAIN). The
 *   winner registers it with its epoll (epoll_ctl) and serves it.
 */
export type AcceptModel = "establish" | "dispatcher" | "shared";

export interface LinuxConfig extends NodeConfig {
  readonly board: Board;
  /** Uses net + app cores of the layout, each running a thread and its RSS queue. */
  readonly layout: Layout;
  readonly costs?: LinuxCosts;
  /** Default "round-robin" (memcached's dispatcher); "local": the core whose softirq saw it. */
  readonly affinity?: Affinity;
  /** How new connections reach threads (default "establish", with {@link affinity}). */
  readonly accept?: AcceptModel;
  /** Bytes of each thread's user receive buffer (default {@link USER_BUFFER_BYTES}). */
  readonly userBufferBytes?: number;
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

/** A new connection for an accept queue: the listeners the wakeup walk reached. */
interface ListenDelivery {
  readonly node: LinuxNode;
  readonly sock: Socket;
  readonly ev: SocketEvent;
  readonly queue: Socket[];
  /** Listeners whose epoll the callback reached, in order; the last may have been woken. */
  readonly walked: readonly Socket[];
  readonly woken: Socket | null;
  readonly local: boolean;
}

/** A connection handed to a worker through its notification pipe. */
interface PipeDelivery {
  readonly node: LinuxNode;
  readonly sock: Socket;
  readonly pipe: Socket;
  readonly wake: boolean;
  readonly local: boolean;
}

/** A listening port's accept queue and the listeners (one per watching epoll) on it. */
interface ListenState {
  readonly queue: Socket[];
  readonly listeners: Socket[];
}

/** One board running the Linux kernel stack. */
export class LinuxNode extends BoardNode<Cpu, LinuxConfig> {
  readonly mode = "linux" as const;
  readonly costs: LinuxCosts;
  readonly affinity: Affinity;
  readonly acceptModel: AcceptModel;
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
  private readonly threads: Thread[] = [];
  /** memcached's main thread (`accept: "dispatcher"`), on core 0. */
  private dispatcher: Thread | null = null;
  private readonly listens = new Map<number, ListenState>();
  /** A socket or listen lock the running kernel code holds (functional view). */
  private held: Lock | null = null;
  private rr = 0;

  constructor(sched: Scheduler, cfg: LinuxConfig) {
    const tiles = layoutTiles(cfg.board, cfg.layout);
    super(sched, cfg, {
      stackTiles: tiles,
      appCores: tiles.length,
      rxGrants: { nic: "read-write", [KERNEL_DOMAIN]: "read-write" },
      // The kernel reads the app's memory for write()'s copy; the NIC gathers sendfile's pages.
      txGrants: { [APP_DOMAIN]: "read-write", [KERNEL_DOMAIN]: "read", nic: "read" },
      rxDomain: () => KERNEL_DOMAIN,
      appDomain: APP_DOMAIN,
    });
    this.costs = cfg.costs ?? LINUX_TILEGX_COSTS;
    this.affinity = cfg.affinity ?? "round-robin";
    this.acceptModel = cfg.accept ?? "establish";
    this.addStackCores("cpu", (k, _tile, core) => {
      const cpu = new Cpu(this, k, core);
      this.threads.push(new Thread(this, k, core));
      return cpu;
    }, (cpu) => cpu.nicWake());
    if (this.acceptModel === "dispatcher") {
      this.dispatcher = new Thread(this, 0, this.units[0].core, "dispatcher");
    }
  }

  /** Connections each application thread has accepted or been handed (index = core). */
  connectionsPerThread(): number[] {
    return this.threads.map((t) => t.connections);
  }

  get cpuCount(): number {
    return this.units.length;
  }

  start(): void {
    for (const t of this.threads) t.core.submit(Thread.start, t);
  }

  /** Also zeroes the kernel's counters and its lock statistics. */
  override resetStats(): void {
    super.resetStats();
    Object.assign(this.counters, newCounters());
    this.locks.resetStats();
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
        : l.name.includes("/pipe:")
        ? "pipe"
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
    return this.units[k];
  }

  /** @internal */
  slotOf(k: number): StackSlot {
    return this.units[k].slot;
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
    const slot = this.units[k].slot;
    this.bind(slot, ctx);
    try {
      fn(slot.stack);
    } finally {
      slot.end();
    }
  }

  /** @internal the socket an application names, or null when it is gone. */
  socketOf(c: ConnRef): Socket | null {
    const cpu = this.units[c.stack];
    return cpu?.sockets.get(c.conn) ?? null;
  }

  /** @internal a system call registering a descriptor with `th`'s epoll (EPOLL_CTL_ADD). */
  epollCtl(ctx: CoreContext, th: Thread): void {
    this.syscall(ctx);
    ctx.charge(LINUX_OP_CATEGORY.epoll_ctl, this.costs.epoll_ctl);
    ctx.acquire(th.epLock);
    ctx.charge(LINUX_OP_CATEGORY.socket_lock, this.costs.socket_lock);
    ctx.release(th.epLock);
    this.counters.epollCtls++;
  }

  /**
   * @internal `th` listens on `port` (`accept` "dispatcher"/"shared"): a
   * listener on the port's accept queue is registered with the epoll that
   * watches it (the dispatcher's, or `th`'s own).
   */
  addListener(ctx: CoreContext, th: Thread, port: number): void {
    let l = this.listens.get(port);
    if (l === undefined) this.listens.set(port, l = { queue: [], listeners: [] });
    const owner = this.dispatcher ?? th;
    for (const ls of l.listeners) if (ls.owner === owner) return;
    this.epollCtl(ctx, owner);
    const ls = new Socket(-1, -1, owner, this.listenLock(port), "listen", l.queue);
    ls.localPort = port;
    l.listeners.push(ls);
  }

  /**
   * @internal memcached's dispatch_conn_new: the dispatcher hands `sock` to
   * the next worker round-robin through the worker's notification pipe (a
   * write under the pipe's lock; the pipe's epoll callback wakes the worker).
   */
  handoff(ctx: CoreContext, sock: Socket): void {
    const c = this.costs;
    const th = this.threads[this.rr++ % this.threads.length];
    const pipe = th.pipe;
    if (pipe === null) throw new Error(`${this.name}: thread ${th.index} has no pipe`);
    this.syscall(ctx);
    ctx.acquire(pipe.lock);
    ctx.charge(LINUX_OP_CATEGORY.socket_lock, c.socket_lock);
    ctx.charge(LINUX_OP_CATEGORY.pipe_io, c.pipe_io);
    this.counters.pipeWrites++;
    ctx.acquire(th.epLock);
    ctx.charge(LINUX_OP_CATEGORY.socket_lock, c.socket_lock);
    const wake = th.state === TH_BLOCKED;
    const local = th.core === ctx.core;
    if (wake) this.decideWake(ctx, th, local);
    const d: PipeDelivery = { node: this, sock, pipe, wake, local };
    ctx.thenCall(LinuxNode.enqueuePipe, d);
    ctx.release(th.epLock);
    ctx.release(pipe.lock);
  }

  /** The waker wakes blocked `th`: its cost and counters (the thread is submitted later). */
  private decideWake(ctx: CoreContext, th: Thread, local: boolean): void {
    th.state = TH_WAKING;
    ctx.charge(LINUX_OP_CATEGORY.wakeup, this.costs.wakeup);
    if (local) this.counters.wakeupsLocal++;
    else this.counters.wakeupsRemote++;
  }

  /** @internal */
  newSocket(cpu: Cpu, conn: ConnId, owner: Thread | null): Socket {
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
      if (this.acceptModel === "establish") {
        const owner = this.affinity === "local"
          ? this.threads[cpu.index]
          : this.threads[this.rr++ % this.threads.length];
        sock = this.newSocket(cpu, ev.conn, owner);
      } else {
        // Into the listening socket's accept queue: no thread owns it before accept().
        sock = this.newSocket(cpu, ev.conn, null);
      }
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
    if (owner === null) {
      this.deliverUnowned(ctx, sock, ev);
      if (own) ctx.release(sock.lock);
      return;
    }
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

  /**
   * An event for a connection no thread owns yet. A new connection goes on
   * its port's accept queue and the listening socket's wait queue is walked
   * (EPOLLEXCLUSIVE): each listener's epoll gets it on its ready list, under
   * its lock, until one with a blocked thread is found and woken. Any other
   * event waits on the socket for whoever accepts it.
   */
  private deliverUnowned(ctx: CoreContext, sock: Socket, ev: SocketEvent): void {
    const l = ev.kind === "new_conn" ? this.listens.get(ev.listenPort) : undefined;
    if (l === undefined) {
      ctx.thenCall(LinuxNode.enqueueUnowned, { sock, ev });
      return;
    }
    const walked: Socket[] = [];
    let woken: Socket | null = null;
    let local = false;
    for (const ls of l.listeners) {
      const th = ls.owner as Thread;
      ctx.acquire(th.epLock);
      ctx.charge(LINUX_OP_CATEGORY.socket_lock, this.costs.socket_lock);
      walked.push(ls);
      const blocked = th.state === TH_BLOCKED;
      if (blocked) {
        woken = ls;
        local = th.core === ctx.core;
        this.decideWake(ctx, th, local);
      }
      ctx.release(th.epLock);
      if (blocked) break;
    }
    const d: ListenDelivery = { node: this, sock, ev, queue: l.queue, walked, woken, local };
    ctx.thenCall(LinuxNode.enqueueListen, d);
  }

  /** At the waker's cursor: an event waits on a socket nobody owns yet. */
  private static enqueueUnowned(_t: Time, d: { sock: Socket; ev: SocketEvent }): void {
    d.sock.events.push(d.ev);
    const owner = d.sock.owner;
    // Accepted since the event was raised: its new owner must see it.
    if (owner !== null) LinuxNode.arrive(d.sock, owner, false, false);
  }

  /** At the waker's cursor: the connection is in the accept queue, the listeners ready. */
  private static enqueueListen(_t: Time, d: ListenDelivery): void {
    d.sock.events.push(d.ev);
    d.queue.push(d.sock);
    for (const ls of d.walked) {
      LinuxNode.arrive(ls, ls.owner as Thread, ls === d.woken, d.local);
    }
  }

  /** At the dispatcher's cursor: the connection is in the worker's pipe. */
  private static enqueuePipe(_t: Time, d: PipeDelivery): void {
    (d.pipe.queue as Socket[]).push(d.sock);
    LinuxNode.arrive(d.pipe, d.pipe.owner as Thread, d.wake, d.local);
  }

  /** `target` is ready for `th`; wake `th` as decided, or late if it blocked since. */
  private static arrive(target: Socket, th: Thread, wake: boolean, local: boolean): void {
    th.markReady(target);
    if (wake) {
      th.wake();
    } else if (th.state === TH_BLOCKED) {
      const counters = th.node.counters;
      counters.wakeupsLate++;
      if (local) counters.wakeupsLocal++;
      else counters.wakeupsRemote++;
      th.state = TH_WAKING;
      th.wakeOwed = true;
      th.wake();
    }
  }

  /** At the waker's cursor: the event is on the socket, the socket is ready, the owner woken. */
  private static enqueue(_t: Time, d: Delivery): void {
    const owner = d.sock.owner as Thread;
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
  guard(ctx: CoreContext, fn: () => void): void {
    const mark = ctx.heldCount;
    try {
      fn();
    } catch (e) {
      this.contain(e);
      ctx.releaseAfterFault(mark);
    }
  }

  /** @internal counts an application's protection fault; rethrows anything else. */
  contain(e: unknown): void {
    if (!(e instanceof ProtectionFault)) throw e;
    this.counters.appFaults++;
    this.lastFault = e;
  }
}

/**
 * Application threads of the Linux model: one per core, pinned, each with
 * its own epoll instance, and the system calls the application makes.
 *
 * - A woken thread (Priority.Normal) pays a `context_switch`, returns from
 *   epoll_wait (`syscall` + `epoll_wait` + `epoll_event` per ready socket)
 *   and serves one ready socket per item: accept (listen-socket lock), read
 *   (socket lock, copy of the bytes into the thread's user buffer, the
 *   receive buffers freed at once), getsockopt for connect, read of 0 for a
 *   FIN; the app then sees the event with references into user memory only.
 * - The app's send is write(): the bytes are copied into a fresh kernel
 *   buffer under the socket lock and handed to the stack; the app's
 *   `data_acked` follows as soon as write() returns.
 */
import { type Core, type CoreContext, GuestContext } from "../../../core/executor.ts";
import type { Lock } from "../../../core/lock.ts";
import type { Time } from "../../../core/time.ts";
import type { ConnRef, SocketApi } from "../../socket.ts";
import { ByteSlab } from "../../../core/bytes.ts";
import { Bytes, totalLen } from "../../buf.ts";
import type { FileOp } from "../../socket.ts";
import type { BufRef, Memory } from "../../../hw/buffers.ts";
import type { RegionView } from "../../../hw/memory.ts";
import type { ConnId, Endpoint, SocketEvent } from "../../events.ts";
import type { Stack } from "../../stack.ts";
import { LINUX_OP_CATEGORY } from "./counters.ts";
import { AppTimers } from "../app_timers.ts";
import { GuestSocketApi } from "../guest.ts";
import type { LinuxNode } from "./mod.ts";
import { Socket } from "./socket.ts";
import {
  APP_DOMAIN,
  KERNEL_DOMAIN,
  kernelReadInto,
  kernelRef,
  USER_BUFFER_BYTES,
  UserBuffer,
} from "./user_buffer.ts";

/** Events one epoll_wait returns at most (libevent's initial epoll array, as memcached uses). */
export const EPOLL_MAX_EVENTS = 32;
/** Bytes one read() call asks for (approximation: a 64 KiB application read buffer). */
export const READ_MAX_BYTES = 64 * 1024;
/** Payload bytes per kernel socket buffer on transmit (TCP MSS 1460, docs/PAPER.md; no TSO). */
export const SKB_PAYLOAD_BYTES = 1460;
/** Page-cache page size (PAGE_SIZE on x86 and the common TileGX kernel configuration). */
export const PAGE_BYTES = 4096;

/** What a thread runs: the application, or memcached's dispatcher (`accept: "dispatcher"`). */
export type ThreadRole = "worker" | "dispatcher";

/** Thread states: blocked in epoll_wait, wake decided but not yet running, runnable/running. */
export const TH_BLOCKED = 0;
export const TH_WAKING = 1;
const TH_RUNNING = 2;

/** A pending data_acked for the application (delivered after write() returns). */
interface AppAck {
  readonly stack: number;
  readonly conn: ConnId;
  readonly token: number;
}

/** One application thread, pinned to one core, with its own epoll instance. */
export class Thread implements SocketApi {
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
  /** write()'s kernel copies (socket buffers held until acknowledged). */
  private readonly sendSlab = new ByteSlab();
  readonly timers: AppTimers<Thread>;
  /** The read end of this worker's notification pipe (`accept: "dispatcher"`), else null. */
  readonly pipe: Socket | null = null;
  /** Connections this thread accepted or was handed (not under `accept: "establish"`). */
  connections = 0;
  /** The socket API and work context as the application holds them (no path to the kernel). */
  readonly api: GuestSocketApi;
  private guest: GuestContext | null = null;

  constructor(
    readonly node: LinuxNode,
    readonly index: number,
    readonly core: Core,
    readonly role: ThreadRole = "worker",
  ) {
    this.timers = new AppTimers<Thread>(node.sched, core, Thread.timerRun, this as Thread);
    const tag = role === "dispatcher" ? "dispatcher" : String(index);
    this.epLock = node.locks.get(`${node.name}/epoll:${tag}`);
    if (node.acceptModel === "dispatcher" && role === "worker") {
      const lock = node.locks.get(`${node.name}/pipe:${index}`);
      this.pipe = new Socket(-1, -1, this, lock, "pipe", []);
    }
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
    return this.guest ??= new GuestContext(ctx, (e) => this.node.contain(e));
  }

  /** Puts `sock` on the ready list (called at the waker's cursor time). */
  markReady(sock: Socket): void {
    if (sock.inReady) return;
    sock.inReady = true;
    this.ready.push(sock);
  }

  private hasWork(): boolean {
    if (this.batchHead < this.batch.length) return true;
    for (const s of this.ready) if (s.pending) return true;
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

  /**
   * The application's due timers: epoll_wait returns on its timeout. The
   * thread busy-polls (mutilate's default), so the return costs a `syscall`
   * and an `epoll_wait` and no wakeup or context switch; the thread's
   * blocked/running state, its ready list and its batch are left as they are.
   */
  static timerRun(ctx: CoreContext, th: Thread): void {
    const timers = th.timers;
    timers.begin();
    const node = th.node;
    node.syscall(ctx);
    ctx.charge(LINUX_OP_CATEGORY.epoll_wait, node.costs.epoll_wait);
    node.counters.epollWaits++;
    node.counters.timerReturns++;
    th.ctx = ctx;
    const app = node.app;
    const now = node.sched.now;
    while (timers.popDue(now)) {
      node.guard(ctx, () => app.onTimer?.(th.guestOf(ctx), th.api, timers.tag));
      th.flushAcks(ctx);
    }
    th.ctx = null;
    timers.end();
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
      if (s.pending) out.push(s);
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
    if (sock.kind === "listen") return this.acceptOne(ctx, sock);
    if (sock.kind === "pipe") return this.pipeRead(ctx, sock);
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
          if (sock.acceptDone) break; // taken from an accept queue: accept() is paid
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

  /**
   * accept() on a ready listener: takes one connection from the accept queue
   * under the listen lock, or finds it empty (EAGAIN: another thread won).
   * One accept per return from epoll_wait (nginx's multi_accept off;
   * memcached's conn_listening); the listener stays ready while the queue
   * holds more (level-triggered). A worker then adopts the connection; the
   * dispatcher hands it to a worker.
   */
  private acceptOne(ctx: CoreContext, lsock: Socket): void {
    const node = this.node;
    const queue = lsock.queue as Socket[];
    node.syscall(ctx);
    node.lockHeld(ctx, lsock.lock);
    const sock = queue.shift();
    if (sock !== undefined) node.inStack(sock.stack, ctx, (s) => s.accept(sock.conn));
    node.unlockHeld(ctx, lsock.lock);
    if (sock === undefined) {
      node.counters.acceptsEmpty++;
      return;
    }
    node.counters.accepts++;
    sock.acceptDone = true;
    if (queue.length > 0) this.markReady(lsock);
    if (this.role === "dispatcher") node.handoff(ctx, sock);
    else this.adopt(ctx, sock);
  }

  /**
   * A worker's notification pipe is readable: read one byte (memcached's
   * thread_libevent_process), take the connection it announces and adopt it.
   */
  private pipeRead(ctx: CoreContext, pipe: Socket): void {
    const node = this.node;
    const queue = pipe.queue as Socket[];
    node.syscall(ctx);
    ctx.acquire(pipe.lock);
    ctx.charge(LINUX_OP_CATEGORY.socket_lock, node.costs.socket_lock);
    ctx.charge(LINUX_OP_CATEGORY.pipe_io, node.costs.pipe_io);
    const sock = queue.shift();
    ctx.release(pipe.lock);
    node.counters.pipeReads++;
    if (queue.length > 0) this.markReady(pipe);
    if (sock !== undefined) this.adopt(ctx, sock);
  }

  /** An accepted connection becomes this thread's: epoll_ctl(ADD), then its events are served. */
  private adopt(ctx: CoreContext, sock: Socket): void {
    this.node.epollCtl(ctx, this);
    sock.owner = this;
    this.connections++;
    this.serve(ctx, sock);
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
      // The kernel writes user memory through its view; an overflow goes to fresh memory.
      let kv: RegionView | null = null;
      let overflow: Uint8Array | null = null;
      if (dstOff >= 0) {
        const region = this.userBuf.memory;
        kv = region.view(KERNEL_DOMAIN);
        dst = region.view(APP_DOMAIN);
      } else {
        node.counters.userBufferOverflows++;
        overflow = new Uint8Array(n);
        dst = new Bytes(overflow, `${this.userBuf.name}/overflow`);
        dstOff = 0;
      }
      // Copy n bytes, releasing each kernel delivery once all of it is copied.
      let left = n, at = dstOff;
      while (left > 0) {
        const e = evs[ev] as Extract<SocketEvent, { kind: "new_data" }>;
        const r = e.refs[ref];
        const len = Math.min(r.len - refOff, left);
        const b = r.mem.read(r.off + refOff, len);
        if (kv !== null) kv.write(at, b);
        else overflow!.set(b, at);
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
    this.node.guard(ctx, fn);
    this.flushAcks(ctx);
  }

  /** Delivers the data_acked of the writes the application made. */
  private flushAcks(ctx: CoreContext): void {
    const node = this.node;
    if (this.acks.length === 0) return;
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
    if (!node.listening.has(port)) {
      node.listening.add(port);
      for (let k = 0; k < node.cpuCount; k++) node.inStack(k, ctx, (s) => s.listen(port, backlog));
    }
    if (node.acceptModel !== "establish") node.addListener(ctx, this, port);
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
    const data = this.sendSlab.alloc(n);
    let o = 0;
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i];
      kernelReadInto(r, data, o);
      o += r.len;
    }
    const kref: BufRef[] = n > 0 ? [{ mem: new Bytes(data, "skb"), off: 0, len: n }] : [];
    this.queueSkbs(ctx, c, sock, kref, n, token);
  }

  /**
   * The end of write() and sendfile(), under the socket lock: allocates the
   * socket buffers (`skb_alloc` per segment), hands `krefs` to the stack under
   * a kernel token (their data_acked frees them), releases the lock, and
   * queues the app's `data_acked(token)` for when the call returns.
   */
  private queueSkbs(
    ctx: CoreContext,
    c: ConnRef,
    sock: Socket,
    krefs: readonly BufRef[],
    n: number,
    token: number,
  ): void {
    const node = this.node;
    const skbs = Math.ceil(n / SKB_PAYLOAD_BYTES);
    ctx.charge(LINUX_OP_CATEGORY.skb_alloc, node.costs.skb_alloc * skbs);
    const ktoken = node.nextKernelToken++;
    sock.inflight.set(ktoken, skbs);
    node.inStack(
      sock.stack,
      ctx,
      (s) => s.send(node.slotOf(sock.stack).now(), sock.conn, krefs, ktoken),
    );
    node.unlockHeld(ctx, sock.lock);
    this.acks.push({ stack: c.stack, conn: c.conn, token });
  }

  /**
   * sendfile(): no copy. Under the socket lock the kernel takes a reference
   * to each page-cache page the bytes span (`sendfile_page` each; the refs
   * are read through the kernel's view of the app's memory) and queues them
   * as socket buffers (`skb_alloc` per segment) that hold the pages until
   * acknowledged. The app's `data_acked` follows as soon as the call returns,
   * as for write(); the file's bytes must stay unchanged (a file served from
   * a ramdisk is).
   */
  sendFile(c: ConnRef, refs: readonly BufRef[], token: number): void {
    const ctx = this.requireCtx();
    const node = this.node;
    const k = node.costs;
    node.syscall(ctx);
    const sock = node.socketOf(c);
    if (sock === null) return; // EBADF: the connection is gone
    const n = totalLen(refs);
    node.lockHeld(ctx, sock.lock);
    let pages = 0;
    const krefs: BufRef[] = [];
    for (const r of refs) {
      if (r.len === 0) continue;
      pages += Math.floor((r.off + r.len - 1) / PAGE_BYTES) - Math.floor(r.off / PAGE_BYTES) + 1;
      krefs.push(kernelRef(r));
    }
    ctx.charge(LINUX_OP_CATEGORY.sendfile_call, k.sendfile_call);
    ctx.charge(LINUX_OP_CATEGORY.sendfile_page, k.sendfile_page * pages);
    node.counters.sendfileCalls++;
    node.counters.sendfileBytes += n;
    node.counters.sendfilePages += pages;
    this.queueSkbs(ctx, c, sock, krefs, n, token);
  }

  /** open(), fstat() or close() of a file: a system call and its VFS work. */
  fileOp(op: FileOp): void {
    const ctx = this.requireCtx();
    const node = this.node;
    node.syscall(ctx);
    const k = node.costs;
    const cycles = op === "open" ? k.vfs_open : op === "fstat" ? k.vfs_stat : k.vfs_close;
    ctx.charge(LINUX_OP_CATEGORY.vfs_open, cycles);
    node.counters.fileOps++;
  }

  shutdown(c: ConnRef): void {
    this.sockCall(c, (s, now, conn) => s.shutdown(now, conn));
  }

  close(c: ConnRef): void {
    this.sockCall(c, (s, now, conn) => s.close(now, conn));
  }

  timer(at: Time, tag: number): void {
    this.timers.add(at, tag);
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

/**
 * What the Linux host layer measures: its counters, the statistics of each
 * class of kernel lock, and the profiling category each kernel operation's
 * cycles are filed under.
 */
import type { Time } from "../../../core/time.ts";
import type { Category } from "../../../core/work.ts";
import type { LinuxOp } from "../../../hw/costs/linux.ts";

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
  epoll_ctl: "syscall",
  pipe_io: "syscall",
  vfs_open: "syscall",
  vfs_stat: "syscall",
  vfs_close: "syscall",
  sendfile_call: "syscall",
  // Page references, not a copy: kernel work of the sendfile() call.
  sendfile_page: "syscall",
});

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
  /** Of those, returns on an application timer's timeout (busy-polling: no wakeup). */
  timerReturns: number;
  /** Ready sockets returned by epoll_wait. */
  epollEvents: number;
  /** Events for a connection no socket exists for. */
  eventsOrphaned: number;
  /** Reads that did not fit the thread's user buffer and went to fresh memory. */
  userBufferOverflows: number;
  /** Protection faults raised by the application (a real process would die; counted here). */
  appFaults: number;
  /** accept() calls that took a connection from an accept queue / found it empty (EAGAIN). */
  accepts: number;
  acceptsEmpty: number;
  /** Descriptors registered with an epoll instance (listeners, accepted connections). */
  epollCtls: number;
  /** Notification-pipe writes (dispatcher) and reads (workers). */
  pipeWrites: number;
  pipeReads: number;
  /** File-system calls (open, fstat, close) the application made. */
  fileOps: number;
  /** sendfile() calls, the bytes they referenced and the page-cache pages they took. */
  sendfileCalls: number;
  sendfileBytes: number;
  sendfilePages: number;
}

/** Acquisition statistics of one class of kernel locks. */
export interface LockClassStats {
  locks: number;
  acquisitions: number;
  contended: number;
  /** Total time spent waiting (ps). */
  totalWait: Time;
}

/** The classes of kernel lock `LinuxNode.lockStats` sums over. */
export type LockClass = "socket" | "epoll" | "listen" | "pipe";
/** Every {@link LockClass}. */
export const LOCK_CLASSES: readonly LockClass[] = ["socket", "epoll", "listen", "pipe"];

export function newCounters(): LinuxCounters {
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
    timerReturns: 0,
    epollEvents: 0,
    eventsOrphaned: 0,
    userBufferOverflows: 0,
    appFaults: 0,
    accepts: 0,
    acceptsEmpty: 0,
    epollCtls: 0,
    pipeWrites: 0,
    pipeReads: 0,
    fileOps: 0,
    sendfileCalls: 0,
    sendfileBytes: 0,
    sendfilePages: 0,
  };
}

/**
 * The Linux kernel baseline: kernel overheads around the TCP/IP stack (system
 * calls, copies, interrupts, softirq/NAPI, wakeups, context switches, socket
 * locks, epoll) plus the kernel's own per-op protocol costs, for the two
 * platforms it runs on here: the TileGX server (NGINX/Memcached baselines,
 * NetPIPE) and the x86 clients (mutilate).
 *
 * Values come from public literature as orders of magnitude (cited per
 * constant) and are converted to cycles of the platform; all are to be
 * calibrated in docs/CALIBRATION.md against the paper's Linux figures (NetPIPE
 * 31 us one-way for 64 bytes; Memcached never meeting a 500 us 99th
 * percentile; 25% of Memcached's time in kernel spinlocks — docs/PAPER.md). Lock
 * contention itself is not a cost here: it emerges from the lock model.
 */
import type { StackOp } from "./ops.ts";
import { type CostTable, defineTable } from "./table.ts";
import { X86_COSTS } from "./x86.ts";

/** Kernel operations the Linux baseline charges beyond the stack's own. */
export const LINUX_OPS = [
  "syscall", // system call entry plus exit
  "copy_call", // fixed cost of one copy_to_user/copy_from_user (bytes are charged as copy_byte)
  "irq", // hardware interrupt entry, handler, exit
  "softirq_packet", // per packet in net_rx_action/NAPI beyond the protocol ops
  "napi_poll", // per NAPI poll round
  "skb_alloc", // socket buffer allocation
  "skb_free", // socket buffer free
  "wakeup", // waking a blocked thread (try_to_wake_up, IPI)
  "context_switch", // switching threads, direct plus cache/TLB refill
  "socket_lock", // uncontended lock_sock/release_sock pair
  "epoll_wait", // one epoll_wait call (ready list scan, return)
  "epoll_event", // per ready event returned by epoll_wait
  "epoll_ctl", // registering a descriptor with an epoll instance (EPOLL_CTL_ADD)
  "pipe_io", // one pipe write or read of a notification byte, beyond the system call
  "vfs_open", // open() of a cached path: path walk, dentry hit, struct file set-up
  "vfs_stat", // fstat() of an open file
  "vfs_close", // close() of a file (fput)
  "sendfile_call", // fixed part of sendfile(): splice set-up, file-to-socket plumbing
  "sendfile_page", // per page-cache page referenced by sendfile (lookup, get_page; no copy)
] as const;
/** One of {@link LINUX_OPS}. */
export type LinuxOp = typeof LINUX_OPS[number];

/** A Linux cost table: cycles per kernel or stack operation. */
export type LinuxCosts = CostTable<LinuxOp | StackOp>;

/** Linux on a 1.2 GHz TileGX core (cycles). */
export const LINUX_TILEGX_COSTS: LinuxCosts = defineTable<LinuxOp | StackOp>({
  // ~330 ns: x86 null syscalls cost ~100-150 cycles direct (Soares & Stumm, FlexSC, OSDI 2010) plus
  // cache pollution; slower on an in-order 1.2 GHz core. Approximation, docs/CALIBRATION.md.
  syscall: 400,
  // access_ok and fault-handling set-up per copy. Approximation, docs/CALIBRATION.md.
  copy_call: 100,
  // ~3.3 us interrupt path on a 1.2 GHz core (x86 ~1 us scaled by clock and IPC).
  // Approximation, docs/CALIBRATION.md.
  irq: 4000,
  // ~2.5 us per packet of driver/GRO/netif_receive_skb overhead; Linux handles well under 1 M
  // packets/s per core (slides "Performance vs protection"). Approximation, docs/CALIBRATION.md.
  softirq_packet: 3000,
  // Per NAPI poll round. Approximation, docs/CALIBRATION.md.
  napi_poll: 500,
  // kmem_cache_alloc plus data allocation. Approximation, docs/CALIBRATION.md.
  skb_alloc: 300,
  // Free path. Approximation, docs/CALIBRATION.md.
  skb_free: 200,
  // ~4 us: wakeup with an inter-processor interrupt. Approximation, docs/CALIBRATION.md.
  wakeup: 5000,
  // ~6.7 us: direct switch plus cache and TLB refill (Li, Ding & Shen, "Quantifying the cost of
  // context switch", ExpCS 2007, measured several us including indirect costs). Approximation.
  context_switch: 8000,
  // Uncontended socket lock pair. Approximation, docs/CALIBRATION.md.
  socket_lock: 100,
  // ~1.25 us per epoll_wait call. Approximation, docs/CALIBRATION.md.
  epoll_wait: 1500,
  // Per returned event. Approximation, docs/CALIBRATION.md.
  epoll_event: 150,
  // The entries below are scaled from the x86 table (same sources and bounds) by the
  // TileGX/x86 ratio of the syscall entries above (~0.8x the cycles at 1.2 vs 2.6 GHz with a
  // lower IPC). Assumptions, docs/CALIBRATION.md.
  epoll_ctl: 600,
  pipe_io: 500,
  vfs_open: 1500,
  vfs_stat: 300,
  vfs_close: 300,
  sendfile_call: 1000,
  sendfile_page: 100,
  // Kernel protocol ops: roughly 2-4x the user-level stack's (hw/costs/tilegx.ts) for the
  // generality of the kernel path (netfilter hooks, routing, socket accounting). Approximation.
  eth_rx: 400,
  eth_tx: 500,
  arp: 1000,
  ip_rx: 400,
  ip_tx: 400,
  icmp: 800,
  flow_lookup: 300,
  tcp_rx: 2000,
  tcp_tx: 2000,
  tcp_timer: 600,
  tcp_conn: 10000,
  // Same hardware as the user-level stack (hw/costs/tilegx.ts).
  checksum_byte: 0.25,
  copy_byte: 0.5,
  reassembly: 1000,
});

/**
 * Linux on the x86 client hosts: a Skylake-SP server core at 2.6 GHz
 * (hw/costs/x86.ts X86_HOST), the kernel of the paper's time (2017: before
 * KPTI). Cycles = published time x 2.6 GHz; each entry names its source and
 * the published bounds around it (docs/PAPER.md "Costs with sources").
 */
export const LINUX_X86_COSTS: LinuxCosts = defineTable<LinuxOp | StackOp>({
  // 0.20 us: system call entry 0.10 + kernel return 0.10 us per call (Arrakis, OSDI'14, Table 1,
  // Linux UDP echo). Bounds: 0.034 us (lmbench null syscall, Linux 4.10) to 0.237 us (Skylake
  // with KPTI and retpolines, Phoronix 2018-09-08).
  syscall: 520,
  // Fixed part of copy_to_user/copy_from_user (access_ok, fault fix-up set-up); the bytes are
  // copy_byte. Assumption (no public figure): ~20 ns; bounds 0-100 ns.
  copy_call: 50,
  // ~1 us from the device's MSI-X write to the handler's return, including the entry/exit
  // and the cache misses around it. Assumption (docs/PAPER.md lists no public figure for x86
  // interrupt cost); bounds 0.5-2 us.
  irq: 2600,
  // Softirq/NAPI overhead per packet beyond the protocol ops (GRO, netif_receive_skb,
  // skb bookkeeping). Derived so that a received small packet costs ~1.26 us in the kernel
  // ("stack in", Arrakis, OSDI'14, Table 1): 1.26 us = 3276 cycles, minus eth_rx + ip_rx +
  // flow_lookup + tcp_rx (2300) here. Bounds 0.2-1 us.
  softirq_packet: 1000,
  // Per NAPI poll round (napi_poll loop, budget check, re-enabling the interrupt). Assumption:
  // ~0.2 us; bounds 0.05-0.5 us.
  napi_poll: 500,
  // skb allocation and free (kmem_cache, slab fast path). Part of Arrakis' 1.05 us "stack out":
  // eth_tx + ip_tx + tcp_tx (2200) + skb_alloc (250) + skb_free (150) = 2600 cycles = 1.0 us.
  skb_alloc: 250,
  skb_free: 150,
  // 0.17 us: the scheduler's share of Linux UDP echo (Arrakis, OSDI'14, Table 1), for making
  // a blocked thread runnable. Bounds 0.1-1 us (with an IPI to another core).
  wakeup: 440,
  // 2.2 us: the extra cost per packet when the receiving process was not running (Arrakis,
  // OSDI'14 sec. 2.1), i.e. switching in a thread with its cache and TLB refill. Bounds: 1-5 us
  // (Li, Ding & Shen, ExpCS'07, several us including indirect costs).
  context_switch: 5720,
  // Uncontended lock_sock/release_sock pair: two atomic operations on a line the core already
  // holds. Assumption: ~30 ns; bounds 10-100 ns. Contention is modelled by the locks themselves.
  socket_lock: 80,
  // ~160 ns per call: eventfd write + epoll_wait (1 ready) + eventfd read = 483 ns per loop
  // (grpc/grpc issue 10330, test/cpp/microbenchmarks/bm_pollset.cc, 2017). Bounds 0.1-0.5 us.
  epoll_wait: 420,
  // Per returned event (copy of one epoll_event to user space, ready-list bookkeeping).
  // Assumption: ~40 ns; bounds 10-100 ns.
  epoll_event: 100,
  // EPOLL_CTL_ADD: ep_insert (epitem allocation, rb-tree insert, the file's poll callback set
  // up) beyond the system call. Assumption: ~0.3 us; bounds 0.1-1 us.
  epoll_ctl: 780,
  // pipe_write/pipe_read of one byte beyond the system call (pipe mutex, page of the pipe
  // buffer, wake of the reader's wait queue). Assumption: ~0.25 us; bounds 0.1-0.5 us.
  pipe_io: 650,
  // open() of a path whose dentries are cached (ramdisk/tmpfs): path walk per component,
  // permission checks, struct file allocation. Assumption: ~0.7 us beyond the system call;
  // bounds 0.3-2 us (lmbench's open/close on 2010s x86 is ~1-2 us including both calls).
  vfs_open: 1800,
  // fstat() of an open file: copying struct stat out. Assumption: ~0.1 us; bounds 0.05-0.3 us.
  vfs_stat: 260,
  // close() of a file: fput and the deferred __fput. Assumption: ~0.1 us; bounds 0.05-0.5 us.
  vfs_close: 260,
  // sendfile() fixed part: do_splice_direct through the internal pipe, file and socket
  // checks. Assumption: ~0.4 us; bounds 0.2-1 us.
  sendfile_call: 1040,
  // Per page-cache page handed to the socket: find_get_page and a page reference, no byte
  // copy (the NIC gathers from the page). Assumption: ~40 ns; bounds 20-100 ns.
  sendfile_page: 100,
  // Kernel protocol ops on x86: hw/costs/x86.ts.
  eth_rx: X86_COSTS.eth_rx,
  eth_tx: X86_COSTS.eth_tx,
  arp: X86_COSTS.arp,
  ip_rx: X86_COSTS.ip_rx,
  ip_tx: X86_COSTS.ip_tx,
  icmp: X86_COSTS.icmp,
  flow_lookup: X86_COSTS.flow_lookup,
  tcp_rx: X86_COSTS.tcp_rx,
  tcp_tx: X86_COSTS.tcp_tx,
  tcp_timer: X86_COSTS.tcp_timer,
  tcp_conn: X86_COSTS.tcp_conn,
  checksum_byte: X86_COSTS.checksum_byte,
  copy_byte: X86_COSTS.copy_byte,
  reassembly: X86_COSTS.reassembly,
});

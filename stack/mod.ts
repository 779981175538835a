/**
 * The network stack and its hosting modes.
 *
 * - The wire formats (stack/wire/mod.ts, re-exported whole) and one
 *   share-nothing {@link Stack} instance (Ethernet, ARP, IPv4, ICMP echo,
 *   TCP), sans-IO: its {@link StackHost} carries frames and socket events.
 * - The socket API applications are written against: an {@link App} reacts
 *   to {@link SocketEvent}s and commands its node through a
 *   {@link SocketApi}; connections are {@link ConnRef}s.
 * - Testbeds: hosted nodes in the DLibOS, RTC and Linux modes
 *   ({@link HostMode}), built one at a time by {@link buildNode}, two back
 *   to back by {@link Pair}, or a server with x86 client hosts on its ports
 *   by {@link Cluster}, with core layouts ({@link parseLayout}).
 * - Profiling a measurement window: busy time per core and category, frame
 *   waiting time, drops and lock tables ({@link profileNode},
 *   {@link profileRows}).
 *
 * @module
 */
export * from "./wire/mod.ts";
export {
  DROP_REASONS,
  type DropReason,
  type EchoReplyHandler,
  type PendingFrame,
  Stack,
  type StackConfig,
  type StackCounters,
  type StackHost,
  type StackStats,
  type TcpFactory,
  totalDrops,
} from "./stack.ts";
export { type Accounting, CountingAccounting, FREE_ACCOUNTING } from "./accounting.ts";
export {
  ArpCache,
  type ArpCacheStats,
  type ArpConfig,
  type ArpTimerSink,
  type EnqueueResult,
} from "./arp_cache.ts";
export type { TcpLayerApi, TcpLayerHost } from "./tcp/api.ts";
export { DEFAULT_TCP_CONFIG, type TcpConfig } from "./tcp/config.ts";
export { TCP_DROP_REASONS, type TcpDropReason, TcpStats } from "./tcp/stats.ts";
export { SharedRx } from "./buf.ts";
export { PcapWriter } from "./pcap.ts";
export type { App, ConnRef, FileOp, SocketApi } from "./socket.ts";
export type {
  CleanupReason,
  ConnId,
  Endpoint,
  EventSink,
  SocketCommand,
  SocketCommandKind,
  SocketEvent,
  SocketEventKind,
} from "./events.ts";
export {
  buildNode,
  buildX86Client,
  Cluster,
  type ClusterSpec,
  type HostSpec,
  type LinuxHostOptions,
  Pair,
  type PairOptions,
  testbedAddress,
  testbedIp,
  testbedMac,
  type X86ClientSpec,
} from "./host/testbed.ts";
export type { AcceptModel, Affinity } from "./host/linux/mod.ts";
export { type Layout, LAYOUT_PRESETS, type PairingPolicy, parseLayout } from "./host/layout.ts";
export type {
  AppEnv,
  AppFactory,
  HostedNode,
  HostMode,
  Neighbour,
  NodeAddress,
} from "./host/node.ts";
export { HOST_MODES } from "./host/node.ts";
export type { LossCounters } from "./host/counters.ts";
export {
  APPLICATION_CATEGORIES,
  type CategoryGroup,
  categoryGroup,
  type CategoryTimes,
  type CoreProfile,
  type CoreRole,
  INTERFACE_CATEGORIES,
  lockClass,
  type LockOwnerKind,
  type LockProfile,
  type LockRow,
  NETWORK_CATEGORIES,
  type NodeProfile,
  type ProfileBarRow,
  profileNode,
  type ProfileRows,
  profileRows,
  type ProfileSummaryRow,
  type RoleTotals,
  type RxProfile,
} from "./host/profile.ts";

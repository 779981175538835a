/**
 * dlibos: a deterministic simulation of DLibOS (Mallon, Gramoli, Jourjon,
 * ASPLOS 2018) and its evaluation. Public API.
 */
// Simulation kernel.
export * from "./core/time.ts";
export * from "./core/scheduler.ts";
export * from "./core/rng.ts";
export * from "./core/dist.ts";
export * from "./core/stats.ts";
export * from "./core/work.ts";
export * from "./core/executor.ts";
export * from "./core/lock.ts";
export * from "./core/queue.ts";
// The machine model (boards, NoC, mPIPE, links, memory, cost tables).
export * from "./hw/mod.ts";
// The network stack and its contracts.
export * from "./stack/buf.ts";
export * from "./stack/accounting.ts";
export * from "./stack/events.ts";
export type { App, ConnRef, SocketApi } from "./stack/socket.ts";
export * from "./stack/wire/mod.ts";
export { Stack, type StackConfig, type StackHost } from "./stack/stack.ts";
export { PcapWriter } from "./stack/pcap.ts";
export { DEFAULT_TCP_CONFIG, type TcpConfig, TcpLayer } from "./stack/tcp/layer.ts";
// Hosting modes and testbeds.
export * from "./stack/host/node.ts";
export * from "./stack/host/layout.ts";
export { DlibosNode } from "./stack/host/dlibos.ts";
export { RtcNode } from "./stack/host/rtc.ts";
export {
  buildNode,
  buildX86Client,
  Cluster,
  type ClusterSpec,
  Pair,
} from "./stack/host/testbed.ts";
// Applications.
export * from "./apps/netpipe/netpipe.ts";
// Experiments and reports.
export { runNetpipe } from "./bench/netpipe.ts";
export { runNetpipeExperiment } from "./bench/netpipe_experiment.ts";
export * from "./report/results.ts";
export { ReportBuilder } from "./report/html.ts";
export { renderVegaLite } from "./report/vega.ts";

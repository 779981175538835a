/**
 * dlibos: a deterministic simulation of DLibOS (Mallon, Gramoli, Jourjon,
 * ASPLOS 2018) and its evaluation, the public API.
 *
 * - Run an experiment: {@link runNetpipe} (one NetPIPE configuration),
 *   {@link runNetpipeExperiment} (every mode and variant, as a results body),
 *   {@link runAppLoad} (Memcached or the webserver under a closed-loop client).
 * - Build a testbed: {@link Pair} (two boards back to back) or
 *   {@link buildNode} from a {@link HostSpec}; boards ({@link GX36},
 *   {@link GX72}), layouts ({@link parseLayout}).
 * - Write an application: implement {@link App} against {@link SocketApi},
 *   reacting to {@link SocketEvent}s.
 * - Use the stack alone: {@link Stack} with a {@link StackHost}, and the wire
 *   formats of stack/wire/mod.ts.
 * - Simulate: {@link Scheduler}, {@link Time} units ({@link US}, {@link MS}),
 *   {@link Rng} streams, distributions, {@link LatencyHistogram}.
 * - Report: results files ({@link makeResults}, {@link writeResults},
 *   {@link readResults}), charts ({@link lineChart}, {@link renderVegaLite})
 *   and HTML pages ({@link ReportBuilder}).
 *
 * The folders' own entry points (core/mod.ts, hw/mod.ts, stack/mod.ts,
 * stack/wire/mod.ts) are re-exported whole; everything else is named here.
 *
 * @example NetPIPE's 64-byte one-way latency in DLibOS and RTC
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLayout, runNetpipe, toUs } from "./mod.ts";
 *
 * const us = (mode: "dlibos" | "rtc") =>
 *   toUs(
 *     runNetpipe({
 *       mode,
 *       variant: "nocopy",
 *       board: "gx36",
 *       layout: parseLayout("2:2"),
 *       sizes: [64],
 *       reps: 2,
 *       warmup: 1,
 *       seed: 1,
 *     }).points[0].oneWay,
 *   );
 * assert.ok(us("rtc") < us("dlibos")); // no NoC messages between stack and app
 * ```
 *
 * @module
 */
// The simulation kernel, the machine model, the stack and its hosting modes.
export * from "./core/mod.ts";
export * from "./hw/mod.ts";
export * from "./stack/mod.ts";
// Applications.
export type { NetpipePoint, NetpipeVariant } from "./apps/netpipe/netpipe.ts";
// Experiments.
export {
  BOARDS,
  defaultSizes,
  type NetpipeOutcome,
  type NetpipeRun,
  type RoleProfile,
  runNetpipe,
} from "./bench/netpipe.ts";
export {
  type NetpipeExperiment,
  type NetpipeExperimentOptions,
  runNetpipeExperiment,
} from "./bench/netpipe_experiment.ts";
export {
  type AppOutcome,
  type AppRun,
  runAppLoad,
  SERVER_APPS,
  type ServerApp,
} from "./bench/apps_run.ts";
// Results files, charts and reports.
export {
  canonicalJson,
  collectMeta,
  type JsonObject,
  type JsonValue,
  type MachineInfo,
  makeResults,
  type MetaOptions,
  parseResults,
  type Point,
  type PointSpeed,
  provenanceEntries,
  readResults,
  type Results,
  RESULTS_SCHEMA,
  type ResultsBody,
  type ResultsMeta,
  type Scalar,
  serializeResults,
  type Series,
  seriesRows,
  type Table,
  writeResults,
} from "./report/results.ts";
export type { ClaimCheck, Verdict } from "./report/claims.ts";
export {
  barChart,
  type BarChartOptions,
  type ChartCommon,
  lineChart,
  type LineChartOptions,
  type RenderOptions,
  renderVegaLite,
  type Row,
  type ScaleKind,
  stackedBarChart,
  type StackedBarChartOptions,
  type VegaLiteSpec,
} from "./report/vega.ts";
export { type Cell, type ChartOptions, type Column, ReportBuilder } from "./report/html.ts";

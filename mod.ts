/**
 * dlibos: a deterministic simulation of DLibOS.
 *
 * @module
 */
export * from "./core/mod.ts";
export * from "./hw/mod.ts";
export * from "./stack/mod.ts";
export {
  BOARDS,
  defaultSizes,
  type NetpipeOutcome,
  type NetpipeRun,
  type RoleProfile,
  runNetpipe,
} from "./bench/netpipe.ts";
export type { NetpipePoint, NetpipeVariant } from "./apps/netpipe/netpipe.ts";
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
export * from "./report/results.ts";
export { type Cell, type ChartOptions, type Column, ReportBuilder } from "./report/html.ts";
export type { VegaLiteSpec } from "./report/vega.ts";
export type { ClaimCheck } from "./report/claims.ts";

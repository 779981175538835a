/**
 * Experiments as lists of independent points.
 *
 * A point is one simulation (or one self-contained sequence of them, such as
 * an SLA search) named by a JSON-serialisable {@link PointSpec}: the same spec
 * always gives the same {@link PointResult} data, byte for byte, whatever
 * process, Worker or machine runs it. That is what lets `deno task reproduce`
 * and the `deno bench` suites run points side by side (`--jobs N`), list them
 * (`--plan`), run a shard of them (`--shard i/n`) and merge the partial
 * results into the same results file a one-machine run writes.
 *
 * An experiment ({@link PointExperiment}) says which points make it up at a
 * given scale, runs one point, and assembles every point's result (in plan
 * order) into its results body and report section.
 */
import type { ReportBuilder } from "../report/html.ts";
import type { JsonObject, Results, ResultsBody } from "../report/results.ts";

/** How big a run is: `quick` for benches, tests and CI; `paper` for the paper's scale. */
export type Scale = "quick" | "paper";

/** The scales, in order of size. */
export const SCALES: readonly Scale[] = ["quick", "paper"];

/** One independent point of an experiment. */
export interface PointSpec {
  /** The experiment it belongs to (a key of the experiment registry). */
  readonly experiment: string;
  /** Unique within the experiment's plan, stable across runs (e.g. "dlibos/d12-all/1024B"). */
  readonly id: string;
  /** Everything the point needs besides the seed (mode, layout, load, ...), JSON only. */
  readonly params: JsonObject;
  /** The simulation seed. */
  readonly seed: number;
}

/** What running one point gives. */
export interface PointResult {
  /** The spec's id. */
  readonly id: string;
  /** The simulated figures (deterministic for the spec). */
  readonly data: JsonObject;
  /** Simulated time covered, in picoseconds (deterministic). */
  readonly simTime: number;
  /** Scheduler events dispatched (deterministic). */
  readonly events: number;
  /** Wall time the point took, in seconds (not deterministic: provenance and speed only). */
  readonly wallSeconds: number;
}

/** An experiment made of independent points. */
export interface PointExperiment {
  /** Registry key and results file name (`results/<name>.json`). */
  readonly name: string;
  /** What it reproduces in the paper. */
  readonly paper: string;
  /** Its points at `scale`, one per (configuration, seed), in a fixed order. */
  plan(scale: Scale, seeds: readonly number[]): PointSpec[];
  /** Runs one point (a pure function of the spec; may run in a Worker). */
  runPoint(spec: PointSpec): PointResult;
  /**
   * The results body from every point of `plan(scale, seeds)` and its result,
   * in plan order. With several seeds per configuration, figures are the mean
   * with a 95% interval.
   */
  assemble(specs: readonly PointSpec[], results: readonly PointResult[], scale: Scale): ResultsBody;
  /** Adds the experiment's section (charts, tables, claims) to a report. */
  report(results: Results, b: ReportBuilder): Promise<void>;
  /**
   * The simulated work a point did, for speed figures (e.g. NetPIPE round
   * trips, requests completed); without it speed is counted in scheduler events.
   */
  workUnits?(spec: PointSpec, result: PointResult): WorkUnits;
}

/** An amount of simulated work: `count` `unit` (e.g. 270 "round trips"). */
export interface WorkUnits {
  readonly unit: string;
  readonly count: number;
}

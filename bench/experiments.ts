/** The paper's experiments, whether each is implemented, and how `reproduce` runs it. */
import type { ReportBuilder } from "../report/html.ts";
import type { Results } from "../report/results.ts";
import { collectMeta, makeResults } from "../report/results.ts";
import { defaultSizes, NETPIPE_DEFAULT_REPS, NETPIPE_DEFAULT_WARMUP } from "./netpipe.ts";
import { netpipeReport, runNetpipeExperiment } from "./netpipe_experiment.ts";
import { LAYOUT_PRESETS } from "../stack/host/layout.ts";
import { HOST_MODES } from "../stack/host/node.ts";
import type { PointExperiment, PointResult, Scale } from "./plan.ts";
import { webserverExperiment } from "./webserver_experiment.ts";
import { memcachedExperiment } from "./memcached_experiment.ts";

export interface ExperimentRun {
  readonly results: Results;
  /** Adds this experiment's section to the report. */
  readonly report: (b: ReportBuilder) => Promise<void>;
}

export interface Experiment {
  readonly name: string;
  /** What it reproduces in the paper. */
  readonly paper: string;
  /** Runs it at `scale` (default "paper"); null while not implemented. */
  readonly run:
    | ((seed: number, progress: (label: string) => void, scale?: Scale) => Promise<ExperimentRun>)
    | null;
  /** The experiment as independent points, when it is one (bench/plan.ts). */
  readonly points?: PointExperiment;
}

/**
 * Runs every point of `exp`'s plan at `scale` one after the other in this
 * process (runPoint) and assembles the results file.
 */
export async function runPointsSequentially(
  exp: PointExperiment,
  seed: number,
  progress: (label: string) => void,
  scale: Scale = "paper",
): Promise<ExperimentRun> {
  const t0 = performance.now();
  const specs = exp.plan(scale, [seed]);
  const results: PointResult[] = [];
  for (const spec of specs) {
    const r = exp.runPoint(spec);
    results.push(r);
    progress(
      `${exp.name} ${spec.id} (${results.length}/${specs.length}, ${r.wallSeconds.toFixed(1)} s)`,
    );
  }
  const body = exp.assemble(specs, results, scale);
  const wall = (performance.now() - t0) / 1000;
  const results_ = makeResults(body, await collectMeta(wall, { seeds: [seed] }));
  return { results: results_, report: (b) => exp.report(results_, b) };
}

function pointExperiment(exp: PointExperiment): Experiment {
  return {
    name: exp.name,
    paper: exp.paper,
    run: (seed, progress, scale) => runPointsSequentially(exp, seed, progress, scale),
    points: exp,
  };
}

async function netpipe(seed: number, progress: (label: string) => void): Promise<ExperimentRun> {
  const t0 = performance.now();
  const exp = runNetpipeExperiment({
    modes: HOST_MODES,
    variants: ["copy", "nocopy"],
    board: "gx36",
    layout: LAYOUT_PRESETS["d12-all"],
    sizes: defaultSizes(),
    reps: NETPIPE_DEFAULT_REPS,
    warmup: NETPIPE_DEFAULT_WARMUP,
    seed,
    onRun: (label, done, total) => progress(`netpipe ${label} (${done}/${total})`),
  });
  const wall = (performance.now() - t0) / 1000;
  const results = makeResults(exp.body, await collectMeta(wall, { seeds: [seed] }));
  return { results, report: (b) => netpipeReport(results, b) };
}

export const EXPERIMENTS: readonly Experiment[] = [
  { name: "netpipe", paper: "NetPIPE latency/throughput, slides 'NetPIPE'", run: netpipe },
  pointExperiment(webserverExperiment),
  pointExperiment(memcachedExperiment),
];

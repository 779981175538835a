/** The paper's experiments, whether each is implemented, and how `reproduce` runs it. */
import type { ReportBuilder } from "../report/html.ts";
import type { Results } from "../report/results.ts";
import { collectMeta, makeResults } from "../report/results.ts";
import { defaultSizes, NETPIPE_DEFAULT_REPS, NETPIPE_DEFAULT_WARMUP } from "./netpipe.ts";
import { netpipeReport, runNetpipeExperiment } from "./netpipe_experiment.ts";
import { LAYOUT_PRESETS } from "../stack/host/layout.ts";
import { HOST_MODES } from "../stack/host/node.ts";

export interface ExperimentRun {
  readonly results: Results;
  /** Adds this experiment's section to the report. */
  readonly report: (b: ReportBuilder) => Promise<void>;
}

export interface Experiment {
  readonly name: string;
  /** What it reproduces in the paper. */
  readonly paper: string;
  /** Runs it; null while not implemented. */
  readonly run:
    | ((seed: number, progress: (label: string) => void) => Promise<ExperimentRun>)
    | null;
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
  { name: "webserver", paper: "webserver requests/s vs Linux+NGINX and RTC", run: null },
  {
    name: "memcached",
    paper: "Memcached throughput at p99 <= 500 us, profiling/fairness",
    run: null,
  },
];

/** The paper's experiments and whether each is implemented yet. */
export interface Experiment {
  readonly name: string;
  /** What it reproduces in the paper. */
  readonly paper: string;
  /** Runs it and writes its results and report; null while not implemented. */
  readonly run: (() => Promise<void>) | null;
}

export const EXPERIMENTS: readonly Experiment[] = [
  { name: "netpipe", paper: "NetPIPE latency/throughput, slides 'NetPIPE'", run: null },
  { name: "webserver", paper: "webserver requests/s vs Linux+NGINX and RTC", run: null },
  {
    name: "memcached",
    paper: "Memcached throughput at p99 <= 500 us, profiling/fairness",
    run: null,
  },
];

/**
 * The paper's experiments and the registry of those that run as points
 * (bench/plan.ts). `deno task reproduce`, `deno task merge`, the Worker pool
 * (bench/pool.ts) and the `deno bench` suites all find experiments here.
 */
import type { PointExperiment } from "./plan.ts";
import { NETPIPE_EXPERIMENT } from "./netpipe_points.ts";
import { webserverExperiment } from "./webserver_experiment.ts";
import { memcachedExperiment } from "./memcached_experiment.ts";

/** One experiment of the paper's evaluation, implemented or not. */
export interface PaperExperiment {
  /** Registry key and results file name. */
  readonly name: string;
  /** What it reproduces in the paper. */
  readonly paper: string;
}

/** The paper's experiments, in report order. */
export const EXPERIMENTS: readonly PaperExperiment[] = [
  { name: "netpipe", paper: NETPIPE_EXPERIMENT.paper },
  { name: "webserver", paper: webserverExperiment.paper },
  { name: "memcached", paper: memcachedExperiment.paper },
];

/** Every implemented experiment, by name ("netpipe", "webserver", "memcached"). */
export const POINT_EXPERIMENTS: Readonly<Record<string, PointExperiment>> = {
  netpipe: NETPIPE_EXPERIMENT,
  webserver: webserverExperiment,
  memcached: memcachedExperiment,
};

/**
 * The implemented experiments in report order: the paper's first, then any
 * other registered one by name.
 */
export function registeredExperiments(): PointExperiment[] {
  const names = [
    ...EXPERIMENTS.map((e) => e.name),
    ...Object.keys(POINT_EXPERIMENTS).filter((n) => !EXPERIMENTS.some((e) => e.name === n)).sort(),
  ];
  return names.flatMap((n) => POINT_EXPERIMENTS[n] ? [POINT_EXPERIMENTS[n]] : []);
}

/** The registered experiment `name`; throws naming the known ones. */
export function experimentNamed(name: string): PointExperiment {
  const e = POINT_EXPERIMENTS[name];
  if (e === undefined) {
    throw new Error(
      `unknown experiment "${name}" (known: ${Object.keys(POINT_EXPERIMENTS).join(", ")})`,
    );
  }
  return e;
}

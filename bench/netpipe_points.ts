/**
 * The NetPIPE experiment as independent points (see bench/plan.ts): one
 * point per (mode, variant, seed), each a whole {@link runNetpipe} run. With
 * one seed its results body is exactly {@link runNetpipeExperiment}'s for the
 * same configuration; with several, every figure is the mean over the seeds
 * with its 95% interval (`<field>Lo`, `<field>Hi`, see bench/seeds.ts).
 */
import type { NetpipeVariant } from "../apps/netpipe/netpipe.ts";
import type { JsonObject, Results, ResultsBody } from "../report/results.ts";
import type { ReportBuilder } from "../report/html.ts";
import { LAYOUT_PRESETS, parseLayout } from "../stack/host/layout.ts";
import { HOST_MODES, type HostMode } from "../stack/host/node.ts";
import {
  defaultSizes,
  NETPIPE_DEFAULT_REPS,
  NETPIPE_DEFAULT_WARMUP,
  type NetpipeRun,
  netpipeSeries,
  profileSeries,
  runNetpipe,
} from "./netpipe.ts";
import { netpipeBody, netpipeReport, type NetpipeRunSeries } from "./netpipe_experiment.ts";
import type { PointExperiment, PointResult, PointSpec, Scale } from "./plan.ts";
import { aggregateSeries, crossSeeds, seedGroups } from "./seeds.ts";

/** The variants every scale runs. */
const VARIANTS: readonly NetpipeVariant[] = ["copy", "nocopy"];
/** Largest message at quick scale (the paper's schedule goes to 1 MiB). */
const QUICK_MAX_BYTES = 1 << 16;

/** What one NetPIPE point runs besides its seed (the point's params). */
export interface NetpipePointParams {
  readonly mode: HostMode;
  readonly variant: NetpipeVariant;
  readonly board: string;
  /** Layout name or N:M (see parseLayout). */
  readonly layout: string;
  readonly sizes: readonly number[];
  readonly reps: number;
  readonly warmup: number;
}

/** The configuration shared by every point at `scale`. */
export function netpipeScaleConfig(scale: Scale): Omit<NetpipePointParams, "mode" | "variant"> {
  return {
    board: "gx36",
    layout: LAYOUT_PRESETS["d12-all"].name,
    sizes: scale === "paper" ? defaultSizes() : defaultSizes(QUICK_MAX_BYTES),
    reps: NETPIPE_DEFAULT_REPS,
    warmup: NETPIPE_DEFAULT_WARMUP,
  };
}

function paramsOf(spec: PointSpec): NetpipePointParams {
  return spec.params as unknown as NetpipePointParams;
}

function runOf(spec: PointSpec): NetpipeRun {
  const p = paramsOf(spec);
  return { ...p, layout: parseLayout(p.layout), seed: spec.seed };
}

/** NetPIPE: every hosting mode crossed with both variants. */
export const NETPIPE_EXPERIMENT: PointExperiment = {
  name: "netpipe",
  paper: "NetPIPE latency/throughput, slides 'NetPIPE'",

  plan(scale: Scale, seeds: readonly number[]): PointSpec[] {
    const shared = netpipeScaleConfig(scale);
    const configs = HOST_MODES.flatMap((mode) =>
      VARIANTS.map((variant) => ({
        id: `${mode}/${variant}`,
        params: { mode, variant, ...shared } as unknown as JsonObject,
      }))
    );
    return crossSeeds("netpipe", configs, seeds);
  },

  runPoint(spec: PointSpec): PointResult {
    const t0 = performance.now();
    const run = runOf(spec);
    const out = runNetpipe(run);
    const data = { series: netpipeSeries(run, out), profile: profileSeries(run, out) };
    return {
      id: spec.id,
      data: data as unknown as JsonObject,
      simTime: out.simTime,
      events: out.events,
      wallSeconds: (performance.now() - t0) / 1000,
    };
  },

  assemble(specs: readonly PointSpec[], results: readonly PointResult[]): ResultsBody {
    if (specs.length === 0) throw new Error("netpipe: nothing to assemble");
    const groups = seedGroups(specs, results);
    const runs: NetpipeRunSeries[] = groups.map((g) => {
      const data = g.results.map((r) => r.data as unknown as NetpipeRunSeries);
      return {
        series: aggregateSeries(data.map((d) => d.series), ["bytes", "reps"]),
        profile: aggregateSeries(data.map((d) => d.profile), []),
      };
    });
    const first = paramsOf(specs[0]);
    const modes: HostMode[] = [];
    const variants: NetpipeVariant[] = [];
    for (const g of groups) {
      const p = g.params as unknown as NetpipePointParams;
      if (!modes.includes(p.mode)) modes.push(p.mode);
      if (!variants.includes(p.variant)) variants.push(p.variant);
    }
    const seeds = [...new Set(specs.map((s) => s.seed))];
    return netpipeBody({ ...first, modes, variants, seeds }, runs);
  },

  report(results: Results, b: ReportBuilder): Promise<void> {
    return netpipeReport(results, b);
  },

  workUnits(spec: PointSpec) {
    const p = paramsOf(spec);
    return { unit: "round trips", count: p.sizes.length * (p.reps + p.warmup) };
  },
};

/**
 * The NetPIPE experiment as a results file and a report section: every
 * requested (mode, variant) run, the paper's NetPIPE claims checked against
 * the 64-byte one-way latencies, and latency/throughput charts.
 */
import type { NetpipeVariant } from "../apps/netpipe/netpipe.ts";
import type { HostMode } from "../stack/host/node.ts";
import type { Layout } from "../stack/host/layout.ts";
import type { PcapWriter } from "../stack/pcap.ts";
import type { Point, Results, ResultsBody, Series } from "../report/results.ts";
import { HI_SUFFIX, LO_SUFFIX } from "./seeds.ts";
import { checkNumericClaim, type ClaimCheck, notYet } from "../report/claims.ts";
import type { ReportBuilder } from "../report/html.ts";
import type { Calibration } from "../hw/costs/calibration.ts";
import { lineChart, stackedBarChart } from "../report/vega.ts";
import { netpipeSeries, profileSeries, runNetpipe } from "./netpipe.ts";

/** Tolerance of the calibrated 64-byte latencies against the paper (issue: within 15%). */
export const NETPIPE_CALIBRATION_TOLERANCE = 0.15;
/** The message size the paper quotes one-way latency for. */
export const NETPIPE_QUOTED_SIZE = 64;

/** The configurations {@link runNetpipeExperiment} runs: every mode crossed with every variant. */
export interface NetpipeExperimentOptions {
  /** Hosting modes to run. */
  readonly modes: readonly HostMode[];
  /** Variants to run in each mode. */
  readonly variants: readonly NetpipeVariant[];
  /** Board name, a key of {@link BOARDS}. */
  readonly board: string;
  /** Core layout of both boards. */
  readonly layout: Layout;
  /** Message sizes in bytes. */
  readonly sizes: readonly number[];
  /** Timed repetitions per size. */
  readonly reps: number;
  /** Untimed warm-up exchanges per size. */
  readonly warmup: number;
  /** Root seed of every run. */
  readonly seed: number;
  /** Records every frame of every run when given. */
  readonly pcap?: PcapWriter;
  /** Both boards' free parameters (default the fit, hw/costs/calibration.ts). */
  readonly calibration?: Calibration;
  /** Called after each run (progress). */
  readonly onRun?: (label: string, done: number, total: number) => void;
}

/** What {@link runNetpipeExperiment} returns. */
export interface NetpipeExperiment {
  /** The results file's body: series, claims checked and configuration. */
  readonly body: ResultsBody;
  /** Scheduler events dispatched over all runs (for speed figures). */
  readonly events: number;
}

function latencyAt(series: readonly Series[], name: string, bytes: number): number | null {
  const s = series.find((x) => x.name === name);
  const p = s?.points.find((q) => q.bytes === bytes);
  return typeof p?.oneWayLatencyUs === "number" ? p.oneWayLatencyUs : null;
}

/**
 * Runs the experiment; the results body is deterministic for the same options.
 *
 * @example RTC only, one size, as a results file
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeResults, parseResults, serializeResults } from "../report/results.ts";
 * import { parseLayout } from "../stack/host/layout.ts";
 * import { runNetpipeExperiment } from "./netpipe_experiment.ts";
 *
 * const { body } = runNetpipeExperiment({
 *   modes: ["rtc"],
 *   variants: ["nocopy"],
 *   board: "gx36",
 *   layout: parseLayout("2:2"),
 *   sizes: [64],
 *   reps: 1,
 *   warmup: 0,
 *   seed: 1,
 * });
 * const meta = { commit: "unknown", wallSeconds: 0, deno: Deno.version.deno, date: "1970-01-01T00:00:00.000Z" };
 * const text = serializeResults(makeResults(body, meta));
 * assert.equal(parseResults(text).experiment, "netpipe");
 * ```
 */
export function runNetpipeExperiment(o: NetpipeExperimentOptions): NetpipeExperiment {
  const runs: NetpipeRunSeries[] = [];
  let events = 0;
  const total = o.modes.length * o.variants.length;
  for (const mode of o.modes) {
    for (const variant of o.variants) {
      const run = {
        mode,
        variant,
        board: o.board,
        layout: o.layout,
        sizes: o.sizes,
        reps: o.reps,
        warmup: o.warmup,
        seed: o.seed,
        // Only the first run is captured, so a capture holds one clean conversation.
        pcap: runs.length === 0 ? o.pcap : undefined,
        calibration: o.calibration,
      };
      const out = runNetpipe(run);
      events += out.events;
      runs.push({ series: netpipeSeries(run, out), profile: profileSeries(run, out) });
      o.onRun?.(`${mode}/${variant}`, runs.length, total);
    }
  }
  return { body: netpipeBody({ ...o, layout: o.layout.name, seeds: [o.seed] }, runs), events };
}

/** The series one NetPIPE run contributes to the results file. */
export interface NetpipeRunSeries {
  /** Latency and throughput per size ({@link netpipeSeries}). */
  readonly series: Series;
  /** The server's busy time per exchange ({@link profileSeries}). */
  readonly profile: Series;
}

/** What the results body records of an experiment's configuration. */
export interface NetpipeBodyConfig {
  readonly modes: readonly HostMode[];
  readonly variants: readonly NetpipeVariant[];
  readonly board: string;
  /** Layout name. */
  readonly layout: string;
  readonly sizes: readonly number[];
  readonly reps: number;
  readonly warmup: number;
  /** One seed (config.seed) or several (config.seeds; series are then means). */
  readonly seeds: readonly number[];
}

/**
 * The results body of every (mode, variant) run, modes outer and variants
 * inner: series, profiles and the paper's 64-byte claims. `runs` are
 * already aggregated over the seeds when there are several.
 */
export function netpipeBody(c: NetpipeBodyConfig, runs: readonly NetpipeRunSeries[]): ResultsBody {
  const series = runs.map((r) => r.series);
  const profiles = runs.map((r) => r.profile);
  const claims: ClaimCheck[] = [];
  const variant = c.variants.includes("nocopy") ? "nocopy" : c.variants[0];
  const what = c.seeds.length > 1 ? `mean over ${c.seeds.length} seeds of the ` : "";
  for (const [mode, id] of [["dlibos", "netpipe-64b-dlibos"], ["linux", "netpipe-64b-linux"]]) {
    const v = latencyAt(series, `${mode}/${variant}`, NETPIPE_QUOTED_SIZE);
    claims.push(
      v === null
        ? notYet(id, `${mode} at ${NETPIPE_QUOTED_SIZE} B was not run`)
        : checkNumericClaim(
          id,
          v,
          NETPIPE_CALIBRATION_TOLERANCE,
          `${what}mean one-way latency, ${variant} variant, ${c.board}`,
        ),
    );
  }
  return {
    experiment: "netpipe",
    config: {
      modes: [...c.modes],
      variants: [...c.variants],
      board: c.board,
      layout: c.layout,
      sizes: [...c.sizes],
      reps: c.reps,
      warmup: c.warmup,
      ...(c.seeds.length === 1 ? { seed: c.seeds[0] } : { seeds: [...c.seeds] }),
    },
    series: [...series, ...profiles],
    claims,
  };
}

/** `<field>Lo` and `<field>Hi` of a point, when it has them (several seeds). */
function intervalOf(p: Point, field: string): Record<string, number> {
  const lo = p[field + LO_SUFFIX], hi = p[field + HI_SUFFIX];
  return typeof lo === "number" && typeof hi === "number"
    ? { [field + LO_SUFFIX]: lo, [field + HI_SUFFIX]: hi }
    : {};
}

/** Adds the NetPIPE section (charts, claims) to a report. */
export async function netpipeReport(r: Results, report: ReportBuilder): Promise<void> {
  const latency = r.series.filter((s) => !s.name.startsWith("profile/"));
  const rows = latency.flatMap((s) =>
    s.points.map((p) => ({
      series: s.name,
      bytes: p.bytes as number,
      oneWayLatencyUs: p.oneWayLatencyUs as number,
      throughputGbps: p.throughputGbps as number,
      ...intervalOf(p, "oneWayLatencyUs"),
      ...intervalOf(p, "throughputGbps"),
    }))
  );
  // Several seeds: the figures are means, drawn with their 95% interval.
  const seeds = Array.isArray(r.config.seeds) ? r.config.seeds.length : 1;
  const band = (field: string) =>
    seeds > 1 ? { lo: field + LO_SUFFIX, hi: field + HI_SUFFIX } : undefined;
  const over = seeds > 1 ? ` Mean over ${seeds} seeds with its 95% interval.` : "";
  report.section(
    "NetPIPE",
    "One connection between two boards running the same stack in the same mode; ping-pong over " +
      "NetPIPE's message sizes. One-way latency is half the mean round trip. The copy variant " +
      "copies each received message into transmit memory before sending it back; nocopy sends " +
      "preallocated bytes (zero-touch).",
  );
  await report.chartFromSpec(
    lineChart({
      title: "NetPIPE one-way latency",
      data: rows,
      x: "bytes",
      y: "oneWayLatencyUs",
      color: "series",
      xScale: "log",
      yScale: "log",
      xTitle: "message size (bytes)",
      yTitle: "one-way latency (us)",
      band: band("oneWayLatencyUs"),
    }),
    "One-way latency against message size, per mode/variant." + over,
  );
  await report.chartFromSpec(
    lineChart({
      title: "NetPIPE throughput",
      data: rows,
      x: "bytes",
      y: "throughputGbps",
      color: "series",
      xScale: "log",
      xTitle: "message size (bytes)",
      yTitle: "throughput (Gb/s)",
      band: band("throughputGbps"),
    }),
    "Throughput (message bits over one-way time) against message size." + over,
  );
  report.table(
    ["mode/variant", { label: `one-way latency at ${NETPIPE_QUOTED_SIZE} B (us)`, digits: 2 }],
    latency.map((s) => {
      const p = s.points.find((q) => q.bytes === NETPIPE_QUOTED_SIZE);
      return [s.name, p ? (p.oneWayLatencyUs as number) : null];
    }),
  );
  const profile = r.series.filter((s) => s.name.startsWith("profile/")).flatMap((s) =>
    s.points.map((p) => ({
      run: `${s.name.slice("profile/".length)} (${p.role})`,
      category: p.category as string,
      usPerExchange: (p.nsPerExchange as number) / 1000,
    }))
  );
  if (profile.length > 0) {
    await report.chartFromSpec(
      stackedBarChart({
        title: "Server busy time per exchange, by category",
        data: profile,
        x: "run",
        y: "usPerExchange",
        stack: "category",
        labelAngle: -30,
        xTitle: "mode/variant (core role)",
        yTitle: "busy us per exchange (mean over all sizes)",
      }),
      "Where the server's cores spend their time over the whole run (summed over the cores of " +
        "each role): DLibOS pays socket-layer messaging on both kinds of core; RTC does the same " +
        "protocol work without it; Linux adds interrupts, system calls, copies and scheduling.",
    );
  }
  if (r.claims) report.claims(r.claims, { include: "checked" });
}

/**
 * The NetPIPE experiment as a results file and a report section: every
 * requested (mode, variant) run, the paper's NetPIPE claims checked against
 * the 64-byte one-way latencies, and latency/throughput charts.
 */
import type { NetpipeVariant } from "../apps/netpipe/netpipe.ts";
import type { HostMode } from "../stack/host/node.ts";
import type { Layout } from "../stack/host/layout.ts";
import type { PcapWriter } from "../stack/pcap.ts";
import type { Results, ResultsBody, Series } from "../report/results.ts";
import { checkNumericClaim, type ClaimCheck, notYet } from "../report/claims.ts";
import type { ReportBuilder } from "../report/html.ts";
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
  const series: Series[] = [];
  const profiles: Series[] = [];
  let events = 0;
  const total = o.modes.length * o.variants.length;
  let done = 0;
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
        pcap: done === 0 ? o.pcap : undefined,
      };
      const out = runNetpipe(run);
      events += out.events;
      series.push(netpipeSeries(run, out));
      profiles.push(profileSeries(run, out));
      done++;
      o.onRun?.(`${mode}/${variant}`, done, total);
    }
  }
  const claims: ClaimCheck[] = [];
  const variant = o.variants.includes("nocopy") ? "nocopy" : o.variants[0];
  for (const [mode, id] of [["dlibos", "netpipe-64b-dlibos"], ["linux", "netpipe-64b-linux"]]) {
    const v = latencyAt(series, `${mode}/${variant}`, NETPIPE_QUOTED_SIZE);
    claims.push(
      v === null
        ? notYet(id, `${mode} at ${NETPIPE_QUOTED_SIZE} B was not run`)
        : checkNumericClaim(
          id,
          v,
          NETPIPE_CALIBRATION_TOLERANCE,
          `mean one-way latency, ${variant} variant, ${o.board}`,
        ),
    );
  }
  return {
    body: {
      experiment: "netpipe",
      config: {
        modes: [...o.modes],
        variants: [...o.variants],
        board: o.board,
        layout: o.layout.name,
        sizes: [...o.sizes],
        reps: o.reps,
        warmup: o.warmup,
        seed: o.seed,
      },
      series: [...series, ...profiles],
      claims,
    },
    events,
  };
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
    }))
  );
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
    }),
    "One-way latency against message size, per mode/variant.",
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
    }),
    "Throughput (message bits over one-way time) against message size.",
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

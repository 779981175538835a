/**
 * wrk's summary (wrk.c main, units.c @a211dd5) as pure functions: the
 * coordinated-omission correction, then the printed layout.
 *
 * The printed Latency line and distribution use the corrected data, as wrk
 * does; {@link WrkSummary.raw} keeps the closed-loop latencies as measured.
 */
import type { WrkErrors, WrkRun } from "./connection.ts";
import { correctionInterval, type WrkStats } from "./stats.ts";

interface Units {
  readonly scale: number;
  readonly base: string;
  readonly units: readonly string[];
}
const TIME_US: Units = { scale: 1000, base: "us", units: ["ms", "s"] };
const TIME_S: Units = { scale: 60, base: "s", units: ["m", "h"] };
const BINARY: Units = { scale: 1024, base: "", units: ["K", "M", "G", "T", "P"] };
const METRIC: Units = { scale: 1000, base: "", units: ["k", "M", "G", "T", "P"] };
/** A unit steps up at 85% of its scale (units.c format_units). */
const STEP_AT = 0.85;

/** units.c format_units: the last unit is never reached (the loop needs units[i + 1]). */
function formatUnits(n: number, m: Units, digits: number): string {
  let amt = n;
  let unit = m.base;
  for (let i = 0; i + 1 < m.units.length && amt >= m.scale * STEP_AT; i++) {
    amt /= m.scale;
    unit = m.units[i];
  }
  return amt.toFixed(digits) + unit;
}

export const formatBinary = (n: number): string => formatUnits(n, BINARY, 2);
export const formatMetric = (n: number): string => formatUnits(n, METRIC, 2);
export const formatTimeS = (n: number): string => formatUnits(n, TIME_S, 0);
export function formatTimeUs(n: number): string {
  return n >= 1_000_000 ? formatUnits(n / 1_000_000, TIME_S, 2) : formatUnits(n, TIME_US, 2);
}

/** wrk print_units: right-aligned in `width` minus the unit's padding. */
function printUnits(n: number, fmt: (n: number) => string, width: number): string {
  const msg = fmt(n);
  const isAlpha = (c: string | undefined) => c !== undefined && /[A-Za-z]/.test(c);
  let pad = 2;
  if (isAlpha(msg[msg.length - 1])) pad--;
  if (isAlpha(msg[msg.length - 2])) pad--;
  const w = width - pad;
  return msg.slice(0, w).padStart(w) + "  ".slice(0, pad);
}

function statsLine(name: string, s: WrkStats, fmt: (n: number) => string): string {
  const mean = s.mean();
  const stdev = s.stdev(mean);
  const within = s.count === 0 ? NaN : s.withinStdev(mean, stdev, 1);
  return `    ${name.padEnd(10)}${printUnits(mean, fmt, 8)}${printUnits(stdev, fmt, 10)}${
    printUnits(s.max, fmt, 9)
  }${(Number.isNaN(within) ? "-nan" : within.toFixed(2)).padStart(8)}%`;
}

export interface WrkSummary {
  readonly url: string;
  readonly runtimeUs: number;
  readonly complete: number;
  readonly bytes: number;
  readonly errors: WrkErrors;
  /** Latency after the coordinated-omission correction (what wrk prints). */
  readonly latency: WrkStats;
  /** Latency as measured by the closed loop, before the correction. */
  readonly raw: WrkStats;
  /** The correction interval E in us (0: none applied). */
  readonly correctionUs: number;
  readonly requests: WrkStats;
  readonly connections: number;
  readonly threads: number;
  readonly durationS: number;
  readonly showLatency: boolean;
}

/**
 * Sums the threads and applies the correction (E = runtime_us /
 * floor(complete / c)) to a copy of the latency data.
 */
export function summarize(run: WrkRun, url: string, runtimeUs: number): WrkSummary {
  const errors: WrkErrors = { connect: 0, read: 0, write: 0, timeout: 0, status: 0 };
  let complete = 0, bytes = 0;
  for (const t of run.threads) {
    complete += t.complete;
    bytes += t.bytes;
    for (const k of Object.keys(errors) as (keyof WrkErrors)[]) errors[k] += t.errors[k];
  }
  const o = run.options;
  const e = correctionInterval(runtimeUs, complete, o.connections);
  const latency = run.latency.clone();
  latency.correct(e);
  return {
    url,
    runtimeUs,
    complete,
    bytes,
    errors,
    latency,
    raw: run.latency,
    correctionUs: e,
    requests: run.requests,
    connections: o.connections,
    threads: o.threads,
    durationS: o.durationS,
    showLatency: o.latency,
  };
}

/** wrk's printed report, one string with a trailing newline. */
export function formatWrkReport(s: WrkSummary): string {
  const out = [
    `Running ${formatTimeS(s.durationS)} test @ ${s.url}`,
    `  ${s.threads} threads and ${s.connections} connections`,
    `  Thread Stats${"Avg".padStart(6)}${"Stdev".padStart(11)}${"Max".padStart(8)}${
      "+/- Stdev".padStart(12)
    }`,
    statsLine("Latency", s.latency, formatTimeUs),
    statsLine("Req/Sec", s.requests, formatMetric),
  ];
  if (s.showLatency) {
    out.push("  Latency Distribution");
    for (const p of [50, 75, 90, 99]) {
      out.push(
        `${p.toFixed(0).padStart(7)}%${printUnits(s.latency.percentile(p), formatTimeUs, 10)}`,
      );
    }
  }
  const secs = s.runtimeUs / 1e6;
  out.push(
    `  ${s.complete} requests in ${formatTimeUs(s.runtimeUs)}, ${formatBinary(s.bytes)}B read`,
  );
  const e = s.errors;
  if (e.connect || e.read || e.write || e.timeout) {
    out.push(
      `  Socket errors: connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout}`,
    );
  }
  if (e.status) out.push(`  Non-2xx or 3xx responses: ${e.status}`);
  out.push(
    `Requests/sec: ${(s.complete / secs).toFixed(2).padStart(9)}`,
    `Transfer/sec: ${formatBinary(s.bytes / secs).padStart(10)}B`,
  );
  return out.join("\n") + "\n";
}

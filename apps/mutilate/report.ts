/**
 * mutilate's printed report (mutilate.cc main, ConnectionStats.h print_stats),
 * as pure formatting. As issue 10 asks, a 50th column is added between 10th
 * and 90th (mutilate @d65c6ef has none).
 */
import { type LogHistogram, MutilateStats } from "./stats.ts";

/** Columns after avg, std and min (percentiles). */
export const REPORT_PERCENTILES = [5, 10, 50, 90, 95, 99] as const;

export interface MutilateReport {
  readonly stats: MutilateStats;
  /** Measurement window in seconds (mutilate stop - start). */
  readonly seconds: number;
  /** `--search`: the first run's achieved QPS (printed when > 0). */
  readonly peakQps?: number;
}

/** printf("%-7s", s). */
function left(s: string, w: number): string {
  return s.padEnd(w);
}
/** printf("%7.1f", x) (C prints nan/inf in lower case). */
function fixed(x: number, w: number, digits = 1): string {
  const s = Number.isNaN(x)
    ? "nan"
    : !Number.isFinite(x)
    ? (x > 0 ? "inf" : "-inf")
    : x.toFixed(digits);
  return s.padStart(w);
}

export function header(): string {
  const cols = ["avg", "std", "min", ...REPORT_PERCENTILES.map((p) => `${p}th`)];
  return left("#type", 7) + cols.map((c) => " " + c.padStart(7)).join("");
}

/** One row: avg std min 5th 10th 50th 90th 95th 99th (zeros when empty). */
export function row(tag: string, h: LogHistogram): string {
  const vals = h.count === 0
    ? new Array(3 + REPORT_PERCENTILES.length).fill(0)
    : [h.average(), h.stddev(), h.min(), ...REPORT_PERCENTILES.map((p) => h.percentile(p))];
  return left(tag, 7) + vals.map((v) => " " + fixed(v, 7)).join("");
}

/** The whole report, one string with a trailing newline. */
export function formatReport(r: MutilateReport): string {
  const s = r.stats;
  const total = s.gets + s.sets;
  const mb = (bytes: number) => bytes / 1024 / 1024 / r.seconds; // MB = 2^20
  const lines = [
    header(),
    row("read", s.get),
    row("update", s.set),
    row("op_q", s.opq),
    "",
    `Total QPS = ${(total / r.seconds).toFixed(1)} (${total} / ${windowText(r.seconds)}s)`,
  ];
  if (r.peakQps !== undefined && r.peakQps > 0) lines.push(`Peak QPS  = ${r.peakQps.toFixed(1)}`);
  lines.push(
    "",
    `Misses = ${s.getMisses} (${fixed((s.getMisses / s.gets) * 100, 0)}%)`,
    `Skipped TXs = ${s.skips} (${fixed((s.skips / total) * 100, 0)}%)`,
    "",
    `RX ${String(s.rxBytes).padStart(10)} bytes : ${fixed(mb(s.rxBytes), 6)} MB/s`,
    `TX ${String(s.txBytes).padStart(10)} bytes : ${fixed(mb(s.txBytes), 6)} MB/s`,
  );
  return lines.join("\n") + "\n";
}

/** A `--scan` row: the read row, achieved QPS (%8.1f) and target (%8d). */
export function scanRow(s: MutilateStats, seconds: number, target: number): string {
  return `${row("read", s.get)} ${fixed((s.gets + s.sets) / seconds, 8)} ${
    String(Math.trunc(target)).padStart(8)
  }`;
}

/** mutilate's --scan header (its labels do not match the row's columns; kept as printed). */
export function scanHeader(): string {
  const cols = ["avg", "min", "1st", "5th", "10th", "90th", "95th", "99th"];
  return left("#type", 7) + cols.map((c) => " " + c.padStart(7)).join("") +
    ` ${"QPS".padStart(8)} ${"target".padStart(8)}`;
}

/**
 * The window in seconds as mutilate prints it (one decimal), with enough
 * decimals for the simulation's millisecond windows to show (0.020, not 0.0).
 */
function windowText(seconds: number): string {
  return seconds >= 1 ? seconds.toFixed(1) : String(Number(seconds.toPrecision(3)));
}

/**
 * Short human summaries of `sim` results for the terminal: NetPIPE one-way
 * latency and throughput per size, one table per hosting mode, and the
 * paper's 64-byte claims; the closed-loop apps' requests/s, p50, p99 and
 * losses per mode. The results file (`--json`) holds everything.
 */
import type { Point, Results, Series } from "../report/results.ts";
import { formatNumber, textTable } from "../report/text.ts";

/** Up to this many sizes are all shown; longer schedules show their powers of two. */
const MAX_SIZES_SHOWN = 12;

function num(p: Point | undefined, field: string): number | null {
  const v = p?.[field];
  return typeof v === "number" ? v : null;
}

function show(x: number | null, digits?: number): string {
  return x === null ? "-" : formatNumber(x, digits);
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Sizes shown in the summary: all of a short list, else the powers of two. */
export function summarySizes(sizes: readonly number[]): number[] {
  if (sizes.length <= MAX_SIZES_SHOWN) return [...sizes];
  return sizes.filter(isPowerOfTwo);
}

/** Series of one kind ("name starts with a mode") grouped by mode, in first-appearance order. */
function byMode(series: readonly Series[]): Map<string, Series[]> {
  const m = new Map<string, Series[]>();
  for (const s of series) {
    const key = s.mode ?? s.name;
    m.set(key, [...(m.get(key) ?? []), s]);
  }
  return m;
}

function configLine(r: Results, keys: readonly string[]): string {
  return keys.filter((k) => r.config[k] !== undefined).map((k) => `${k} ${String(r.config[k])}`)
    .join(", ");
}

/** NetPIPE: per mode, one-way latency (us) and throughput (Gb/s) per size and variant. */
export function netpipeSummary(r: Results): string {
  const latency = r.series.filter((s) => !s.name.startsWith("profile/"));
  const sizes = [...new Set(latency.flatMap((s) => s.points.map((p) => p.bytes as number)))];
  const shown = summarySizes(sizes);
  const out = [
    `NetPIPE ping-pong (${configLine(r, ["board", "layout", "reps", "seed"])}): ` +
    `one-way latency in us, throughput in Gb/s` +
    (shown.length < sizes.length ? `; ${shown.length} of ${sizes.length} sizes shown` : ""),
  ];
  for (const [mode, series] of byMode(latency)) {
    const header = ["bytes"];
    for (const s of series) {
      const v = s.variant ?? s.name;
      header.push(`${v} latency`, `${v} Gb/s`);
    }
    const rows = shown.map((bytes) => [
      formatNumber(bytes),
      ...series.flatMap((s) => {
        const p = s.points.find((q) => q.bytes === bytes);
        return [show(num(p, "oneWayLatencyUs"), 2), show(num(p, "throughputGbps"), 3)];
      }),
    ]);
    out.push("", mode, textTable(header, rows));
  }
  const claims = r.claims ?? [];
  if (claims.length > 0) {
    out.push("", "paper claims:");
    for (const c of claims) {
      const verdict = c.holds === null ? "not checked" : c.holds ? "holds" : "does not hold";
      out.push(`  ${c.id}: ${verdict} (${c.note})`);
    }
  }
  return out.join("\n");
}

/** Closed-loop apps: one row per mode. */
export function appSummary(r: Results): string {
  const header = ["mode", "requests/s", "p50 us", "p99 us", "completed", "errors", "drops", "retx"];
  const rows = r.series.map((s) => {
    const p = s.points[0];
    return [
      s.mode ?? s.name,
      show(num(p, "requestsPerSec"), 0),
      show(num(p, "p50Us"), 2),
      show(num(p, "p99Us"), 2),
      show(num(p, "completed")),
      show(num(p, "errors")),
      show(num(p, "drops")),
      show(num(p, "retransmits")),
    ];
  });
  return [
    `${r.experiment} (${configLine(r, ["board", "layout", "connections", "requests", "seed"])})`,
    "",
    textTable(header, rows),
  ].join("\n");
}

/**
 * Several seeds per configuration: building the plan (configuration-major,
 * seeds inner), grouping the points of one configuration back together, and
 * aggregating their series into the mean with a 95% confidence interval.
 *
 * With one seed nothing is aggregated: an experiment's body stays exactly
 * what a single run gives. With N > 1 seeds, every numeric field `f` of a
 * point that is not a key becomes the mean over the seeds, plus `fLo` and
 * `fHi`, the bounds of the two-sided 95% Student-t interval of that mean
 * (`mean ± t(0.975, N-1) · s / √N`, s the sample standard deviation).
 */
import type { PointResult, PointSpec } from "./plan.ts";
import { canonicalJson, type JsonObject, type Point, type Series } from "../report/results.ts";

/**
 * Two-sided 95% quantiles of Student's t distribution, t(0.975, df), for df =
 * 1..30 (any statistics table, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
 */
const T_975: readonly number[] = [
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228, //  1..10
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086, // 11..20
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042, // 21..30
];
/** t(0.975, df) for df > 30: the normal quantile z(0.975) (same table), at most 2% narrow. */
const Z_975 = 1.96;

/** The 95% t quantile for `df` degrees of freedom (df >= 1). */
export function t975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`t975: bad degrees of freedom ${df}`);
  return df <= T_975.length ? T_975[df - 1] : Z_975;
}

/** Mean of `xs` with the bounds of its 95% interval (both the mean when there is one value). */
export interface MeanInterval {
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
}

/** The mean of `xs` and its two-sided 95% Student-t interval. */
export function meanInterval(xs: readonly number[]): MeanInterval {
  const n = xs.length;
  if (n === 0) throw new Error("meanInterval: no values");
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  if (n === 1) return { mean, lo: mean, hi: mean };
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  const half = t975(n - 1) * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
  return { mean, lo: mean - half, hi: mean + half };
}

/** Seeds `base`, `base + 1`, ..., `base + count - 1`. */
export function seedRange(base: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => base + i);
}

/** One configuration of an experiment (everything of a point but its seed). */
export interface Configuration {
  /** Unique within the experiment, e.g. "dlibos/nocopy". */
  readonly id: string;
  readonly params: JsonObject;
}

/** Point id of configuration `id` at `seed`. */
export function pointId(id: string, seed: number): string {
  return `${id}/seed${seed}`;
}

/** The plan of `configs` crossed with `seeds`: configuration-major, seeds inner. */
export function crossSeeds(
  experiment: string,
  configs: readonly Configuration[],
  seeds: readonly number[],
): PointSpec[] {
  if (seeds.length === 0) throw new Error(`${experiment}: a plan needs at least one seed`);
  return configs.flatMap((c) =>
    seeds.map((seed) => ({ experiment, id: pointId(c.id, seed), params: c.params, seed }))
  );
}

/** The points of one configuration, in plan order. */
export interface SeedGroup {
  /** The configuration's params (shared by every point of the group). */
  readonly params: JsonObject;
  readonly specs: readonly PointSpec[];
  readonly results: readonly PointResult[];
}

/**
 * Groups points that differ only by seed, in order of first appearance
 * (plan order); `results[i]` must belong to `specs[i]`.
 */
export function seedGroups(
  specs: readonly PointSpec[],
  results: readonly PointResult[],
): SeedGroup[] {
  if (specs.length !== results.length) {
    throw new Error(`${specs.length} points but ${results.length} results`);
  }
  const groups = new Map<
    string,
    { params: JsonObject; specs: PointSpec[]; results: PointResult[] }
  >();
  specs.forEach((s, i) => {
    if (results[i].id !== s.id) throw new Error(`result ${results[i].id} is not point ${s.id}'s`);
    const key = canonicalJson(s.params);
    let g = groups.get(key);
    if (g === undefined) {
      g = { params: s.params, specs: [], results: [] };
      groups.set(key, g);
    }
    g.specs.push(s);
    g.results.push(results[i]);
  });
  return [...groups.values()];
}

/** Suffixes of the interval bounds of an aggregated field. */
export const LO_SUFFIX = "Lo";
export const HI_SUFFIX = "Hi";

/**
 * One series from the same series of several seeds: points matched by
 * position; `keys` (and every non-numeric field) must agree across seeds;
 * every other numeric field becomes its mean plus `<field>Lo` / `<field>Hi`.
 * A single seed's series is returned unchanged.
 */
export function aggregateSeries(perSeed: readonly Series[], keys: readonly string[]): Series {
  const first = perSeed[0];
  if (first === undefined) throw new Error("aggregateSeries: no series");
  if (perSeed.length === 1) return first;
  for (const s of perSeed) {
    if (s.name !== first.name || s.points.length !== first.points.length) {
      throw new Error(
        `aggregateSeries: series ${s.name} (${s.points.length} points) does not match ` +
          `${first.name} (${first.points.length} points) of the first seed`,
      );
    }
  }
  const points = first.points.map((p0, i) => {
    const out: Point = {};
    for (const [field, v0] of Object.entries(p0)) {
      const values = perSeed.map((s) => s.points[i][field]);
      if (typeof v0 === "number" && !keys.includes(field)) {
        if (!values.every((v) => typeof v === "number")) {
          throw new Error(`aggregateSeries: ${first.name}[${i}].${field} is not always a number`);
        }
        const m = meanInterval(values as number[]);
        out[field] = m.mean;
        out[field + LO_SUFFIX] = m.lo;
        out[field + HI_SUFFIX] = m.hi;
      } else {
        if (!values.every((v) => v === v0)) {
          throw new Error(
            `aggregateSeries: ${first.name}[${i}].${field} differs between seeds ` +
              `(${values.map((v) => JSON.stringify(v)).join(", ")})`,
          );
        }
        out[field] = v0;
      }
    }
    return out;
  });
  return { ...first, points };
}

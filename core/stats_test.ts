import assert from "node:assert/strict";
import { Rng } from "./rng.ts";
import { MS, NS, SEC, US } from "./time.ts";
import {
  Counters,
  HIST_DEFAULT_HIGHEST,
  HIST_DEFAULT_LOWEST,
  jainIndex,
  LatencyHistogram,
  nearestRank,
  RunningStats,
  TimeWeighted,
} from "./stats.ts";

/** Integer picosecond values log-uniform over the histogram's default range. */
function logUniform(rng: Rng, n: number): number[] {
  const lo = Math.log(HIST_DEFAULT_LOWEST), hi = Math.log(HIST_DEFAULT_HIGHEST);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round(Math.exp(lo + (hi - lo) * rng.float())));
  return out;
}

const PERCENTILES = [0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99];

Deno.test("LatencyHistogram: percentiles within 1% of exact over 10 ns .. 10 s", () => {
  const rng = new Rng(42, "hist");
  const values = logUniform(rng, 100_000);
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  const sorted = [...values].sort((a, b) => a - b);
  for (const p of PERCENTILES) {
    const exact = sorted[nearestRank(p, sorted.length) - 1];
    const got = h.percentile(p);
    const err = Math.abs(got - exact) / exact;
    assert.ok(err <= 0.01, `p${p}: got ${got}, exact ${exact}, error ${err}`);
  }
  // Every single value's own rank too (a strict check of the bucket error bound).
  for (let i = 0; i < 2000; i++) {
    const r = 1 + rng.int(sorted.length);
    const p = (r / sorted.length) * 100;
    const exact = sorted[nearestRank(p, sorted.length) - 1];
    assert.ok(Math.abs(h.percentile(p) - exact) / exact <= 0.01);
  }
  assert.equal(h.count, values.length);
  assert.equal(h.min, sorted[0]);
  assert.equal(h.max, sorted[sorted.length - 1]);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(Math.abs(h.mean - mean) / mean < 1e-12);
  assert.equal(h.percentile(0), sorted[0]);
  assert.equal(h.percentile(100), sorted[sorted.length - 1]);
});

Deno.test("LatencyHistogram: merge equals recording everything into one", () => {
  const rng = new Rng(7, "merge");
  const a = new LatencyHistogram(), b = new LatencyHistogram(), all = new LatencyHistogram();
  for (const v of logUniform(rng, 20_000)) {
    (rng.chance(0.3) ? a : b).record(v);
    all.record(v);
  }
  a.record(1); // underflow
  all.record(1);
  b.record(20 * SEC); // overflow
  all.record(20 * SEC);
  a.merge(b);
  assert.equal(a.count, all.count);
  assert.equal(a.min, all.min);
  assert.equal(a.max, all.max);
  assert.ok(Math.abs(a.mean - all.mean) / all.mean < 1e-12);
  assert.deepEqual(a.buckets(), all.buckets());
  for (const p of PERCENTILES) assert.equal(a.percentile(p), all.percentile(p));
  assert.deepEqual({ ...a.summary(), mean: 0 }, { ...all.summary(), mean: 0 });
  assert.throws(() => a.merge(new LatencyHistogram({ subBucketBits: 7 })), RangeError);
});

Deno.test("LatencyHistogram: out-of-range values clamp but count", () => {
  const h = new LatencyHistogram();
  h.record(5 * NS);
  h.record(1 * US);
  h.record(100 * SEC);
  assert.equal(h.count, 3);
  assert.equal(h.underflow, 1);
  assert.equal(h.overflow, 1);
  assert.equal(h.min, 5 * NS);
  assert.equal(h.max, 100 * SEC);
  assert.equal(h.percentile(10), 5 * NS); // rank 1 falls in the underflow
  assert.ok(Math.abs(h.percentile(50) - US) / US <= 0.01);
  assert.equal(h.percentile(99), 100 * SEC); // rank 3 falls in the overflow
  assert.ok(Math.abs(h.mean - (5 * NS + US + 100 * SEC) / 3) < 1);
});

Deno.test("LatencyHistogram: recordN, summary, reset, empty and bad values", () => {
  const h = new LatencyHistogram();
  assert.deepEqual(h.summary(), {
    count: 0,
    mean: 0,
    min: 0,
    p50: 0,
    p90: 0,
    p99: 0,
    p999: 0,
    max: 0,
  });
  h.recordN(10 * US, 900);
  h.recordN(1 * MS, 100);
  h.recordN(5 * MS, 0);
  const s = h.summary();
  assert.equal(s.count, 1000);
  assert.ok(Math.abs(s.p50 - 10 * US) / (10 * US) <= 0.01);
  assert.ok(Math.abs(s.p90 - 10 * US) / (10 * US) <= 0.01);
  assert.equal(s.p99, MS); // bucket midpoint clamped to the exact max
  assert.equal(s.max, MS);
  assert.ok(Math.abs(s.mean - (900 * 10 * US + 100 * MS) / 1000) < 1e-6);
  h.reset();
  assert.equal(h.count, 0);
  assert.equal(h.percentile(50), 0);
  assert.throws(() => h.record(-1), RangeError);
  assert.throws(() => h.record(NaN), RangeError);
  assert.throws(() => new LatencyHistogram({ lowest: 10, highest: 5 }), RangeError);
});

Deno.test("LatencyHistogram: buckets stay within 1% for every value in a dense sweep", () => {
  const h = new LatencyHistogram({ lowest: HIST_DEFAULT_LOWEST, highest: 10 * MS });
  for (let v = HIST_DEFAULT_LOWEST; v <= 10 * MS; v = Math.ceil(v * 1.0007)) {
    h.reset();
    h.record(v);
    h.record(HIST_DEFAULT_LOWEST); // so min/max clamping does not hide the bucket value
    h.record(10 * MS);
    const got = h.percentile(50);
    assert.ok(Math.abs(got - v) / v <= 0.0079, `value ${v} reported as ${got}`);
  }
});

Deno.test("nearestRank tolerates binary rounding", () => {
  assert.equal(nearestRank(99.9, 1000), 999);
  assert.equal(nearestRank(50, 3), 2);
  assert.equal(nearestRank(0, 10), 1);
  assert.equal(nearestRank(100, 10), 10);
  assert.equal(nearestRank(99.99, 10_000), 9999);
});

Deno.test("Counters: sorted deterministic output regardless of insertion order", () => {
  const a = new Counters(), b = new Counters();
  a.inc("zeta");
  a.inc("alpha", 3);
  a.inc("mid");
  a.inc("zeta", 2);
  b.inc("mid");
  b.inc("zeta", 3);
  b.inc("alpha", 3);
  assert.deepEqual(Object.keys(a.toJSON()), ["alpha", "mid", "zeta"]);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.equal(a.get("zeta"), 3);
  assert.equal(a.get("never"), 0);
  assert.equal(a.total, 7);
  assert.equal(a.size, 3);
  assert.deepEqual(a.entries(), [["alpha", 3], ["mid", 1], ["zeta", 3]]);
  a.merge(b);
  assert.equal(a.get("alpha"), 6);
  a.reset();
  assert.equal(a.size, 0);
});

Deno.test("TimeWeighted: mean of a piecewise-constant level", () => {
  const tw = new TimeWeighted(0, 0);
  tw.set(10, 2); // 0 for [0,10)
  tw.set(30, 1); // 2 for [10,30)
  tw.add(40, 3); // 1 for [30,40), then 4
  assert.equal(tw.mean(50), (0 * 10 + 2 * 20 + 1 * 10 + 4 * 10) / 50);
  assert.equal(tw.value, 4);
  assert.equal(tw.max, 4);
  tw.reset(50);
  assert.equal(tw.mean(50), 4);
  tw.set(60, 0);
  assert.equal(tw.mean(70), 2);
  assert.throws(() => tw.set(55, 1), RangeError);
  assert.throws(() => tw.mean(55), RangeError);
});

Deno.test("RunningStats: mean and sample variance", () => {
  const r = new RunningStats();
  for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) r.add(x);
  assert.equal(r.count, 8);
  assert.equal(r.mean, 5);
  assert.ok(Math.abs(r.variance - 32 / 7) < 1e-12);
  assert.equal(r.min, 2);
  assert.equal(r.max, 9);
  r.reset();
  assert.equal(r.variance, 0);
});

Deno.test("LatencyHistogram.cdf: ascending microseconds, cumulative fractions ending at 1", () => {
  const h = new LatencyHistogram();
  assert.deepEqual(h.cdf(), []);
  // Values are bucket midpoints (within 1/128), clamped to the recorded min and max.
  h.record(1 * US);
  h.recordN(1500 * NS, 3);
  h.record(2 * US);
  const cdf = h.cdf();
  assert.equal(cdf.length, 3);
  assert.deepEqual(cdf.map((p) => p.fraction), [0.2, 0.8, 1]);
  [1, 1.5, 2].forEach((us, i) => assert.ok(Math.abs(cdf[i].us - us) <= us / 128, `${cdf[i].us}`));
  assert.equal(cdf[2].us, 2, "the last point is at the largest value");
  // Underflow and overflow sit at the recorded min and max.
  const e = new LatencyHistogram({ lowest: 1000, highest: 1_000_000 });
  e.record(10);
  e.record(5000);
  e.record(9_000_000);
  const pts = e.cdf();
  assert.deepEqual(pts[0], { us: 10 / US, fraction: 1 / 3 });
  assert.deepEqual(pts[pts.length - 1], { us: 9, fraction: 1 });
  for (let i = 1; i < pts.length; i++) {
    assert.ok(pts[i].us > pts[i - 1].us && pts[i].fraction > pts[i - 1].fraction);
  }
});

Deno.test("jainIndex: equal shares 1, one of n 1/n, a hand-computed case, no NaN", () => {
  assert.equal(jainIndex([3, 3, 3]), 1);
  assert.equal(jainIndex([7]), 1);
  assert.equal(jainIndex([0, 0, 9, 0, 0]), 1 / 5);
  // (1 + 2 + 3 + 4)^2 / (4 * (1 + 4 + 9 + 16)) = 100 / 120.
  assert.equal(jainIndex([1, 2, 3, 4]), 100 / 120);
  // Two connections, one at a tenth of the other: 121 / (2 * 101).
  assert.equal(jainIndex([10, 1]), 121 / 202);
  assert.equal(jainIndex([]), 1);
  assert.equal(jainIndex([0, 0, 0]), 1);
  assert.throws(() => jainIndex([1, -1]), RangeError);
  assert.throws(() => jainIndex([NaN]), RangeError);
});

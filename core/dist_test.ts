import assert from "node:assert/strict";
import { Rng } from "./rng.ts";
import { RunningStats } from "./stats.ts";
import {
  Constant,
  constant,
  Discrete,
  discrete,
  type Distribution,
  Empirical,
  empirical,
  Exponential,
  exponential,
  FB_INTERARRIVAL_US,
  FB_KEY_SIZE,
  FB_VALUE_HEAD,
  FB_VALUE_SIZE,
  fbInterarrivalUs,
  fbKeySize,
  fbValueSize,
  gamma,
  GeneralizedExtremeValue,
  GeneralizedPareto,
  gev,
  gpareto,
  HeadTail,
  Normal,
  normal,
  parseDistribution,
  Uniform,
  uniform,
  Zipf,
  zipf,
} from "./dist.ts";

const N = 200_000;

interface Drawn {
  stats: RunningStats;
  sorted: Float64Array;
}

function draw(d: Distribution, seed = 1, n = N): Drawn {
  const rng = new Rng(seed, "dist-test");
  const stats = new RunningStats();
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = d.sample(rng);
    stats.add(x);
    sorted[i] = x;
  }
  sorted.sort();
  return { stats, sorted };
}

function near(got: number, want: number, relTol: number, what: string): void {
  const err = Math.abs(got - want) / Math.abs(want);
  assert.ok(err <= relTol, `${what}: got ${got}, want ${want} (rel. error ${err.toFixed(4)})`);
}

/** Empirical p-quantile of sorted samples. */
function q(s: Float64Array, p: number): number {
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

/** Checks mean, variance and the given quantiles against closed forms. */
function checkMoments(d: Distribution, meanTol: number, varTol: number, quantiles: number[] = []) {
  const { stats, sorted } = draw(d);
  near(stats.mean, d.mean, meanTol, `${d.label} mean`);
  near(stats.variance, d.variance, varTol, `${d.label} variance`);
  for (const p of quantiles) {
    near(q(sorted, p), d.quantile!(p), 0.02, `${d.label} q${p}`);
  }
  return sorted;
}

Deno.test("constant and the factory shorthands", () => {
  assert.equal(constant(3).label, "fixed:3");
  assert.equal(uniform(1, 2).label, "uniform:1,2");
  assert.equal(exponential(4).mean, 4);
  assert.equal(normal(1, 2).variance, 4);
  assert.equal(gev(1, 2, 0).label, "gev:1,2,0");
  assert.equal(gpareto(0, 1, 0.5).mean, 2);
  assert.equal(discrete([1, 3], [1, 1]).mean, 2);
  assert.equal(empirical([[1, 0.5], [3, 1]]).mean, 2);
  assert.equal(zipf(3, 0).mean, 1);
  const d = new Constant(100);
  assert.equal(d.sample(new Rng(1)), 100);
  assert.equal(d.mean, 100);
  assert.equal(d.variance, 0);
});

Deno.test("uniform: moments, quantiles, support", () => {
  const s = checkMoments(new Uniform(1, 10), 0.01, 0.02, [0.1, 0.5, 0.9]);
  assert.ok(s[0] >= 1 && s[s.length - 1] < 10);
  assert.equal(new Uniform(1, 10).mean, 5.5);
  assert.equal(new Uniform(1, 10).variance, 81 / 12);
});

Deno.test("exponential: moments and median", () => {
  const d = new Exponential(10);
  assert.equal(d.variance, 100);
  checkMoments(d, 0.01, 0.03, [0.5, 0.9, 0.99]);
  near(d.quantile(0.5), 10 * Math.LN2, 1e-12, "median");
});

Deno.test("normal: moments and the 97.5% point", () => {
  const d = new Normal(5, 2);
  const { stats, sorted } = draw(d);
  near(stats.mean, 5, 0.005, "mean");
  near(stats.variance, 4, 0.02, "variance");
  near(q(sorted, 0.975), 5 + 1.959964 * 2, 0.01, "q0.975");
  near(q(sorted, 0.5), 5, 0.01, "median");
});

Deno.test("gev: closed-form mean/variance for the ETC key preset and the Gumbel limit", () => {
  const d = fbKeySize();
  // Mean mu + sigma (Gamma(1 - xi) - 1) / xi for the ETC key parameters.
  const g1 = gamma(1 - FB_KEY_SIZE.shape);
  near(d.mean, FB_KEY_SIZE.loc + FB_KEY_SIZE.scale * (g1 - 1) / FB_KEY_SIZE.shape, 1e-12, "mean");
  checkMoments(d, 0.005, 0.04, [0.1, 0.5, 0.9, 0.99]);
  const gumbel = new GeneralizedExtremeValue(10, 2, 0);
  near(gumbel.mean, 10 + 2 * 0.5772156649015329, 1e-12, "gumbel mean");
  near(gumbel.variance, (4 * Math.PI * Math.PI) / 6, 1e-12, "gumbel variance");
  checkMoments(gumbel, 0.005, 0.03, [0.5, 0.9]);
  const negative = new GeneralizedExtremeValue(0, 1, -0.3); // bounded above at 1/0.3
  const s = checkMoments(negative, 0.02, 0.03, [0.5, 0.9]);
  assert.ok(s[s.length - 1] <= 1 / 0.3 + 1e-9);
  assert.equal(new GeneralizedExtremeValue(0, 1, 1.2).mean, Infinity);
});

Deno.test("gpareto: moments, quantiles, ETC presets, exponential limit", () => {
  checkMoments(new GeneralizedPareto(5, 10, 0.1), 0.01, 0.06, [0.5, 0.9, 0.99]);
  const exp = new GeneralizedPareto(0, 3, 0);
  near(exp.mean, 3, 1e-12, "xi=0 mean");
  checkMoments(exp, 0.01, 0.03, [0.5]);
  // ETC value tail: heavy (shape 0.35, infinite 4th moment) - check the mean and quantiles only.
  const v = new GeneralizedPareto(FB_VALUE_SIZE.loc, FB_VALUE_SIZE.scale, FB_VALUE_SIZE.shape);
  near(v.mean, 15 + 214.476 / (1 - 0.348238), 1e-12, "ETC value mean (loc 15)");
  assert.equal(v.quantile(1e-12) >= 15, true); // the tail starts at loc 15
  const { stats, sorted } = draw(v);
  near(stats.mean, v.mean, 0.03, "ETC value sample mean");
  for (const p of [0.5, 0.9, 0.99]) near(q(sorted, p), v.quantile(p), 0.02, `ETC value q${p}`);
  const ia = fbInterarrivalUs();
  near(ia.mean, FB_INTERARRIVAL_US.scale / (1 - FB_INTERARRIVAL_US.shape), 1e-12, "IA mean");
  near(draw(ia).stats.mean, ia.mean, 0.01, "IA sample mean");
  assert.equal(new GeneralizedPareto(0, 1, 1).mean, Infinity);
  assert.equal(new GeneralizedPareto(0, 1, 0.6).variance, Infinity);
});

Deno.test("discrete (alias method): frequencies and moments", () => {
  const d = new Discrete([1, 2, 3, 10], [1, 2, 7, 0]);
  const rng = new Rng(3, "discrete");
  const counts = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    const x = d.sample(rng);
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  near(counts.get(1)! / N, 0.1, 0.03, "P(1)");
  near(counts.get(2)! / N, 0.2, 0.02, "P(2)");
  near(counts.get(3)! / N, 0.7, 0.01, "P(3)");
  assert.equal(counts.get(10), undefined);
  near(d.mean, 0.1 + 0.4 + 2.1, 1e-12, "mean");
  checkMoments(d, 0.01, 0.02);
  assert.throws(() => new Discrete([1], [0]), RangeError);
  assert.throws(() => new Discrete([1, 2], [1]), RangeError);
  assert.throws(() => new Discrete([1], [-1]), RangeError);
});

Deno.test("empirical (value, cdf) table: binary search sampling", () => {
  const d = new Empirical([[10, 0.5], [20, 0.5], [30, 0.75], [40, 1]]);
  near(d.mean, 10 * 0.5 + 30 * 0.25 + 40 * 0.25, 1e-12, "mean");
  const { sorted } = draw(d);
  assert.equal(sorted.indexOf(20), -1); // zero-probability row never drawn
  near(q(sorted, 0.25), 10, 0, "q0.25");
  near(q(sorted, 0.6), 30, 0, "q0.6");
  near(q(sorted, 0.9), 40, 0, "q0.9");
  checkMoments(d, 0.01, 0.02);
  assert.throws(() => new Empirical([[1, 0.6], [2, 0.5]]), RangeError);
  assert.throws(() => new Empirical([[1, 0.6]]), RangeError);
});

Deno.test("zipf: head probability, mean, degenerate cases", () => {
  const d = new Zipf(1000, 0.99);
  const rng = new Rng(5, "zipf");
  let zeros = 0, ones = 0;
  const stats = new RunningStats();
  for (let i = 0; i < N; i++) {
    const x = d.sample(rng);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 1000);
    if (x === 0) zeros++;
    if (x === 1) ones++;
    stats.add(x);
  }
  near(zeros / N, d.prob(0), 0.02, "P(0)");
  near(ones / N, d.prob(1), 0.03, "P(1)");
  near(d.prob(0) / d.prob(1), 2 ** 0.99, 1e-12, "ratio");
  near(stats.mean, d.mean, 0.02, "mean");
  near(stats.variance, d.variance, 0.03, "variance");
  assert.equal(new Zipf(1, 2).sample(rng), 0);
  near(new Zipf(10, 0).mean, 4.5, 1e-12, "uniform mean");
  assert.throws(() => new Zipf(0, 1), RangeError);
  assert.throws(() => new Zipf(10, -1), RangeError);
});

Deno.test("fb_value: discrete head over the Pareto tail", () => {
  const d = fbValueSize();
  assert.ok(d instanceof HeadTail);
  const head = FB_VALUE_HEAD.reduce((s, [p]) => s + p, 0);
  near((d as HeadTail).headProb, head, 1e-12, "head mass");
  assert.equal(FB_VALUE_SIZE.loc, 15); // mutilate: new GPareto(15.0, 214.476, 0.348238)
  const tailMean = FB_VALUE_SIZE.loc + FB_VALUE_SIZE.scale / (1 - FB_VALUE_SIZE.shape);
  const headMean = FB_VALUE_HEAD.reduce((s, [p, v]) => s + p * v, 0);
  near(d.mean, headMean + (1 - head) * tailMean, 1e-12, "mean");
  const rng = new Rng(11, "fbv");
  let twos = 0;
  const stats = new RunningStats();
  for (let i = 0; i < N; i++) {
    const x = d.sample(rng);
    if (x === 2) twos++;
    stats.add(x);
  }
  near(twos / N, 0.1782, 0.02, "P(value = 2)");
  near(stats.mean, d.mean, 0.03, "sample mean");
  near(d.mean, 194, 0.01, 'analytic mean ~194 B (docs/PAPER.md "Load generators")');
  assert.equal(d.label, "fb_value");
});

Deno.test("fb_value: every head size 0..14 at its probability, nothing else below 15", () => {
  const d = fbValueSize();
  const rng = new Rng(12, "fbv-head");
  const n = 400_000;
  const counts = new Float64Array(15);
  const sample = new Float64Array(n);
  let between = 0;
  for (let i = 0; i < n; i++) {
    const x = d.sample(rng);
    sample[i] = x;
    if (x < 15 && Number.isInteger(x)) counts[x]++;
    else if (x < 15) between++;
  }
  assert.equal(between, 0); // the tail never goes below its loc 15
  for (const [p, v] of FB_VALUE_HEAD) {
    // Within 5 binomial standard errors (plus a floor for the rarest sizes).
    const se = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(counts[v] / n - p) <= 5 * se + 1e-5, `P(${v}) ${counts[v] / n} vs ${p}`);
  }
  sample.sort();
  // Median: the tail quantile at (0.5 - head) / (1 - head), ~39 B.
  const head = FB_VALUE_HEAD.reduce((s, [p]) => s + p, 0);
  const tail = new GeneralizedPareto(FB_VALUE_SIZE.loc, FB_VALUE_SIZE.scale, FB_VALUE_SIZE.shape);
  const median = tail.quantile((0.5 - head) / (1 - head));
  near(median, 39.2, 0.01, "analytic median");
  near(q(sample, 0.5), median, 0.02, "sample median");
  near(q(sample, 0.9), tail.quantile((0.9 - head) / (1 - head)), 0.02, "sample q0.9");
});

Deno.test("sampling is deterministic per seed and stream", () => {
  const d = fbKeySize();
  const a = draw(d, 9, 1000).sorted, b = draw(d, 9, 1000).sorted, c = draw(d, 10, 1000).sorted;
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("gamma function", () => {
  near(gamma(5), 24, 1e-13, "gamma(5)");
  near(gamma(0.5), Math.sqrt(Math.PI), 1e-13, "gamma(0.5)");
  near(gamma(0.1), 9.513507698668732, 1e-12, "gamma(0.1)");
  near(gamma(-0.5), -2 * Math.sqrt(Math.PI), 1e-12, "gamma(-0.5)");
  near(gamma(12.5), 136843365.46556583, 1e-12, "gamma(12.5)");
});

Deno.test("parseDistribution: accepted forms", () => {
  const cases: [string, string][] = [
    ["100", "fixed:100"],
    ["fixed:100", "fixed:100"],
    ["Constant:2.5", "fixed:2.5"],
    ["exp:10", "exp:10"],
    ["exponential: 3e2", "exp:300"],
    ["uniform:1,10", "uniform:1,10"],
    ["uniform:4", "uniform:0,4"],
    ["normal:5,2", "normal:5,2"],
    ["gev:30.7984,8.20449,0.078688", "gev:30.7984,8.20449,0.078688"],
    ["gpareto:0,214.476,0.348238", "gpareto:0,214.476,0.348238"],
    ["gp:1,2,0", "gpareto:1,2,0"],
    ["zipf:1000,0.99", "zipf:1000,0.99"],
    ["discrete:1=1,2=3", "discrete:1=0.25,2=0.75"],
    ["fb_key", `gev:${FB_KEY_SIZE.loc},${FB_KEY_SIZE.scale},${FB_KEY_SIZE.shape}`],
    ["fb_value", "fb_value"],
    ["fb_ia", `gpareto:0,${FB_INTERARRIVAL_US.scale},${FB_INTERARRIVAL_US.shape}`],
  ];
  for (const [spec, label] of cases) {
    const d = parseDistribution(spec);
    assert.equal(d.label, label, spec);
    // Labels parse back to the same distribution.
    assert.equal(parseDistribution(d.label).label, label, `round trip of ${spec}`);
  }
  assert.ok(parseDistribution("zipf:1000,0.99") instanceof Zipf);
});

Deno.test("parseDistribution: one-line errors naming the problem", () => {
  const bad: [string, RegExp][] = [
    ["", /empty/],
    ["exp:abc", /argument 1 "abc" is not a number/],
    ["exp:-1", /exponential mean must be a positive/],
    ["gev:1,2", /expected 3 comma-separated argument\(s\), got 2/],
    ["poisson:3", /unknown distribution "poisson"/],
    ["uniform:10,1", /lo <= hi/],
    ["zipf:10.5,1", /zipf item count/],
    ["discrete:1", /pair 1 "1" is not value=weight/],
    ["discrete:1=x", /weight 1 "x" is not a number/],
    ["fb_key:3", /takes no arguments/],
    ["gpareto:0,0,0.1", /gpareto scale must be a positive/],
    ["normal:1,-1", /standard deviation must be >= 0/],
  ];
  for (const [spec, re] of bad) {
    assert.throws(() => parseDistribution(spec), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, re, spec);
      assert.ok(!e.message.includes("\n"), `multi-line message for ${spec}`);
      return true;
    });
  }
});

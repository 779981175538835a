/**
 * Probability distributions for workload generation.
 *
 * Every distribution is an immutable object whose `sample(rng)` draws from the
 * generator passed in, so the caller decides which named stream supplies the
 * randomness. Continuous distributions are sampled by inverse CDF from one
 * uniform draw, except the normal (Box-Muller, two draws, no cached spare).
 * `mean` and `variance` are closed forms: Infinity when the moment diverges,
 * NaN when no closed form is provided.
 */
import type { Rng } from "./rng.ts";

/** A distribution of numbers, sampled with a caller's random stream. */
export interface Distribution {
  /** Draws one value. */
  sample(rng: Rng): number;
  /** Closed-form mean (Infinity if it diverges). */
  readonly mean: number;
  /** Closed-form variance (Infinity if it diverges, NaN if unknown). */
  readonly variance: number;
  /**
   * A spec string that {@link parseDistribution} accepts and that recreates this
   * distribution (for hand-built mixtures without a spec: a description).
   */
  readonly label: string;
  /** The p-quantile (inverse CDF) for p in (0, 1), where a closed form exists. */
  quantile?(p: number): number;
}

/** Euler-Mascheroni constant (mean of the standard Gumbel distribution). */
const EULER_GAMMA = 0.5772156649015329;
/** Shapes closer to zero than this use the exact zero-shape (exponential/Gumbel) limit. */
const SHAPE_EPS = 1e-12;
/** Largest Zipf population given a precomputed CDF table (8 bytes per item: 32 MiB). */
export const ZIPF_MAX_ITEMS = 1 << 22;

function requireFinite(what: string, x: number): void {
  if (!Number.isFinite(x)) throw new RangeError(`${what} must be a finite number, got ${x}`);
}

function requirePositive(what: string, x: number): void {
  if (!(x > 0) || !Number.isFinite(x)) {
    throw new RangeError(`${what} must be a positive finite number, got ${x}`);
  }
}

/** Always `value`. */
export class Constant implements Distribution {
  readonly variance = 0;
  constructor(readonly value: number) {
    requireFinite("constant value", value);
  }
  get mean(): number {
    return this.value;
  }
  get label(): string {
    return `fixed:${this.value}`;
  }
  sample(_rng: Rng): number {
    return this.value;
  }
  quantile(_p: number): number {
    return this.value;
  }
}

/** Continuous uniform on [lo, hi). */
export class Uniform implements Distribution {
  constructor(readonly lo: number, readonly hi: number) {
    requireFinite("uniform lower bound", lo);
    requireFinite("uniform upper bound", hi);
    if (!(hi >= lo)) throw new RangeError(`uniform needs lo <= hi, got ${lo} > ${hi}`);
  }
  get mean(): number {
    return (this.lo + this.hi) / 2;
  }
  get variance(): number {
    const w = this.hi - this.lo;
    return (w * w) / 12;
  }
  get label(): string {
    return `uniform:${this.lo},${this.hi}`;
  }
  sample(rng: Rng): number {
    return this.lo + (this.hi - this.lo) * rng.float();
  }
  quantile(p: number): number {
    return this.lo + (this.hi - this.lo) * p;
  }
}

/** Exponential with the given mean (rate 1/mean). */
export class Exponential implements Distribution {
  constructor(readonly mean: number) {
    requirePositive("exponential mean", mean);
  }
  get variance(): number {
    return this.mean * this.mean;
  }
  get label(): string {
    return `exp:${this.mean}`;
  }
  sample(rng: Rng): number {
    return -this.mean * Math.log(rng.floatOpen());
  }
  quantile(p: number): number {
    return -this.mean * Math.log1p(-p);
  }
}

/** Normal (Gaussian) by the Box-Muller transform; two uniforms per sample, no cached state. */
export class Normal implements Distribution {
  constructor(readonly mean: number, readonly sd: number) {
    requireFinite("normal mean", mean);
    requireFinite("normal standard deviation", sd);
    if (sd < 0) throw new RangeError(`normal standard deviation must be >= 0, got ${sd}`);
  }
  get variance(): number {
    return this.sd * this.sd;
  }
  get label(): string {
    return `normal:${this.mean},${this.sd}`;
  }
  sample(rng: Rng): number {
    const r = Math.sqrt(-2 * Math.log(rng.floatOpen()));
    return this.mean + this.sd * r * Math.cos(2 * Math.PI * rng.float());
  }
}

/**
 * Generalized extreme value (loc mu, scale sigma, shape xi), by inverse CDF:
 * x = mu + sigma * ((-ln U)^(-xi) - 1) / xi, or mu - sigma * ln(-ln U) when xi = 0.
 */
export class GeneralizedExtremeValue implements Distribution {
  constructor(readonly loc: number, readonly scale: number, readonly shape: number) {
    requireFinite("gev location", loc);
    requirePositive("gev scale", scale);
    requireFinite("gev shape", shape);
  }
  get mean(): number {
    const { loc, scale, shape } = this;
    if (Math.abs(shape) < SHAPE_EPS) return loc + scale * EULER_GAMMA;
    if (shape >= 1) return Infinity;
    return loc + (scale * (gamma(1 - shape) - 1)) / shape;
  }
  get variance(): number {
    const { scale, shape } = this;
    if (Math.abs(shape) < SHAPE_EPS) return (scale * scale * Math.PI * Math.PI) / 6;
    if (shape >= 0.5) return Infinity;
    const g1 = gamma(1 - shape), g2 = gamma(1 - 2 * shape);
    return (scale * scale * (g2 - g1 * g1)) / (shape * shape);
  }
  get label(): string {
    return `gev:${this.loc},${this.scale},${this.shape}`;
  }
  sample(rng: Rng): number {
    return this.quantile(rng.floatOpen());
  }
  quantile(p: number): number {
    const y = -Math.log(p); // standard exponential
    if (Math.abs(this.shape) < SHAPE_EPS) return this.loc - this.scale * Math.log(y);
    return this.loc + (this.scale * (Math.pow(y, -this.shape) - 1)) / this.shape;
  }
}

/**
 * Generalized Pareto (loc mu, scale sigma, shape xi), by inverse CDF:
 * x = mu + sigma * (U^(-xi) - 1) / xi, or mu - sigma * ln U when xi = 0.
 */
export class GeneralizedPareto implements Distribution {
  constructor(readonly loc: number, readonly scale: number, readonly shape: number) {
    requireFinite("gpareto location", loc);
    requirePositive("gpareto scale", scale);
    requireFinite("gpareto shape", shape);
  }
  get mean(): number {
    if (this.shape >= 1) return Infinity;
    return this.loc + this.scale / (1 - this.shape);
  }
  get variance(): number {
    const { scale, shape } = this;
    if (shape >= 0.5) return Infinity;
    return (scale * scale) / ((1 - shape) * (1 - shape) * (1 - 2 * shape));
  }
  get label(): string {
    return `gpareto:${this.loc},${this.scale},${this.shape}`;
  }
  sample(rng: Rng): number {
    // U and 1-U are equally distributed; using U directly saves a subtraction.
    return this.tail(rng.floatOpen());
  }
  quantile(p: number): number {
    return this.tail(1 - p);
  }
  /** The value exceeded with probability `q`. */
  private tail(q: number): number {
    if (Math.abs(this.shape) < SHAPE_EPS) return this.loc - this.scale * Math.log(q);
    return this.loc + (this.scale * (Math.pow(q, -this.shape) - 1)) / this.shape;
  }
}

/**
 * A finite discrete distribution over `values` with relative `weights`,
 * sampled in O(1) by Vose's alias method.
 */
export class Discrete implements Distribution {
  readonly values: Float64Array;
  /** Probabilities (weights normalised to sum 1). */
  readonly probs: Float64Array;
  private readonly cut: Float64Array;
  private readonly alias: Int32Array;

  constructor(values: readonly number[], weights: readonly number[]) {
    const n = values.length;
    if (n === 0) throw new RangeError("discrete distribution needs at least one value");
    if (weights.length !== n) {
      throw new RangeError(`discrete distribution has ${n} values but ${weights.length} weights`);
    }
    let total = 0;
    for (let i = 0; i < n; i++) {
      requireFinite(`discrete value ${i + 1}`, values[i]);
      if (!(weights[i] >= 0) || !Number.isFinite(weights[i])) {
        throw new RangeError(`discrete weight ${i + 1} must be >= 0, got ${weights[i]}`);
      }
      total += weights[i];
    }
    if (!(total > 0)) throw new RangeError("discrete weights must not all be zero");
    this.values = Float64Array.from(values);
    this.probs = Float64Array.from(weights, (w) => w / total);
    this.cut = new Float64Array(n);
    this.alias = new Int32Array(n);
    this.buildAlias();
  }

  get mean(): number {
    let m = 0;
    for (let i = 0; i < this.values.length; i++) m += this.probs[i] * this.values[i];
    return m;
  }
  get variance(): number {
    const m = this.mean;
    let v = 0;
    for (let i = 0; i < this.values.length; i++) {
      const d = this.values[i] - m;
      v += this.probs[i] * d * d;
    }
    return v;
  }
  get label(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.values.length; i++) parts.push(`${this.values[i]}=${this.probs[i]}`);
    return `discrete:${parts.join(",")}`;
  }
  sample(rng: Rng): number {
    // One 53-bit draw picks the column (integer part) and the coin (fraction).
    const x = rng.float() * this.values.length;
    const i = Math.floor(x);
    return this.values[x - i < this.cut[i] ? i : this.alias[i]];
  }

  /** Vose's alias method: each column i keeps itself with probability cut[i], else alias[i]. */
  private buildAlias(): void {
    const n = this.values.length;
    const scaled = Float64Array.from(this.probs, (p) => p * n);
    const small: number[] = [], large: number[] = [];
    for (let i = 0; i < n; i++) (scaled[i] < 1 ? small : large).push(i);
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number, l = large.pop() as number;
      this.cut[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    // Leftovers are 1 up to rounding.
    for (const i of large) (this.cut[i] = 1), (this.alias[i] = i);
    for (const i of small) (this.cut[i] = 1), (this.alias[i] = i);
  }
}

/**
 * A step distribution from an empirical (value, cumulative probability) table,
 * sampled by binary search on the CDF. Cumulative probabilities must be
 * non-decreasing and end at 1 (within 1e-9).
 */
export class Empirical implements Distribution {
  readonly values: Float64Array;
  readonly cdf: Float64Array;

  constructor(table: readonly (readonly [value: number, cdf: number])[]) {
    const n = table.length;
    if (n === 0) throw new RangeError("empirical distribution needs at least one row");
    this.values = new Float64Array(n);
    this.cdf = new Float64Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const [v, c] = table[i];
      requireFinite(`empirical value ${i + 1}`, v);
      if (!(c >= prev) || c > 1 + 1e-9) {
        throw new RangeError(
          `empirical cdf must be non-decreasing in [0, 1]: row ${i + 1} has ${c}`,
        );
      }
      this.values[i] = v;
      this.cdf[i] = c;
      prev = c;
    }
    if (Math.abs(prev - 1) > 1e-9) {
      throw new RangeError(`empirical cdf must end at 1, ends at ${prev}`);
    }
    this.cdf[n - 1] = 1;
  }

  get mean(): number {
    let m = 0, prev = 0;
    for (let i = 0; i < this.values.length; i++) {
      m += (this.cdf[i] - prev) * this.values[i];
      prev = this.cdf[i];
    }
    return m;
  }
  get variance(): number {
    const mu = this.mean;
    let v = 0, prev = 0;
    for (let i = 0; i < this.values.length; i++) {
      const d = this.values[i] - mu;
      v += (this.cdf[i] - prev) * d * d;
      prev = this.cdf[i];
    }
    return v;
  }
  get label(): string {
    const parts: string[] = [];
    let prev = 0;
    for (let i = 0; i < this.values.length; i++) {
      parts.push(`${this.values[i]}=${this.cdf[i] - prev}`);
      prev = this.cdf[i];
    }
    return `discrete:${parts.join(",")}`;
  }
  sample(rng: Rng): number {
    return this.quantile(rng.float());
  }
  /** The smallest value whose cumulative probability exceeds p. */
  quantile(p: number): number {
    return this.values[upperBound(this.cdf, p)];
  }
}

/**
 * A discrete head of (probability, value) pairs tried in order from a single
 * uniform draw, falling back to a `tail` distribution with the remaining
 * probability: the shape of mutilate's Facebook value-size generator.
 */
export class HeadTail implements Distribution {
  readonly headProb: number;
  readonly label: string;
  private readonly probs: Float64Array;
  private readonly values: Float64Array;

  /** `label` defaults to a description; pass a parseable spec (e.g. "fb_value") if there is one. */
  constructor(
    head: readonly (readonly [prob: number, value: number])[],
    readonly tail: Distribution,
    label?: string,
  ) {
    this.label = label ?? `headtail(${head.length} values)+${tail.label}`;
    this.probs = new Float64Array(head.length);
    this.values = new Float64Array(head.length);
    let sum = 0;
    head.forEach(([p, v], i) => {
      if (!(p >= 0)) throw new RangeError(`head probability ${i + 1} must be >= 0, got ${p}`);
      requireFinite(`head value ${i + 1}`, v);
      sum += p;
      this.probs[i] = p;
      this.values[i] = v;
    });
    if (sum > 1 + 1e-9) throw new RangeError(`head probabilities sum to ${sum} > 1`);
    this.headProb = sum;
  }

  get mean(): number {
    let m = 0;
    for (let i = 0; i < this.values.length; i++) m += this.probs[i] * this.values[i];
    return m + (1 - this.headProb) * this.tail.mean;
  }
  get variance(): number {
    // Law of total variance over the mixture components.
    const mu = this.mean;
    let v = 0;
    for (let i = 0; i < this.values.length; i++) {
      const d = this.values[i] - mu;
      v += this.probs[i] * d * d;
    }
    const w = 1 - this.headProb;
    if (w > 0) {
      const d = this.tail.mean - mu;
      v += w * (this.tail.variance + d * d);
    }
    return v;
  }
  sample(rng: Rng): number {
    const u = rng.float();
    let sum = 0;
    for (let i = 0; i < this.probs.length; i++) {
      sum += this.probs[i];
      if (u < sum) return this.values[i];
    }
    return this.tail.sample(rng);
  }
}

/**
 * Zipf over item indices 0..n-1 (index 0 most popular): P(i) proportional to
 * 1/(i+1)^s. Precomputed CDF, binary search per sample.
 */
export class Zipf implements Distribution {
  private readonly cdf: Float64Array;
  private readonly norm: number;

  constructor(readonly n: number, readonly s: number) {
    if (!Number.isInteger(n) || n < 1 || n > ZIPF_MAX_ITEMS) {
      throw new RangeError(
        `zipf item count must be an integer in [1, ${ZIPF_MAX_ITEMS}], got ${n}`,
      );
    }
    if (!(s >= 0) || !Number.isFinite(s)) {
      throw new RangeError(`zipf exponent must be >= 0, got ${s}`);
    }
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += Math.pow(i + 1, -s);
      this.cdf[i] = sum;
    }
    this.norm = sum;
    for (let i = 0; i < n; i++) this.cdf[i] /= sum;
    this.cdf[n - 1] = 1;
  }

  /** Probability of item index i. */
  prob(i: number): number {
    return Math.pow(i + 1, -this.s) / this.norm;
  }
  get mean(): number {
    // E[i] = sum (k-1) k^-s / H(n,s) over k = 1..n.
    let m = 0;
    for (let k = 2; k <= this.n; k++) m += (k - 1) * Math.pow(k, -this.s);
    return m / this.norm;
  }
  get variance(): number {
    let m2 = 0;
    for (let k = 2; k <= this.n; k++) m2 += (k - 1) * (k - 1) * Math.pow(k, -this.s);
    const mu = this.mean;
    return m2 / this.norm - mu * mu;
  }
  get label(): string {
    return `zipf:${this.n},${this.s}`;
  }
  sample(rng: Rng): number {
    return upperBound(this.cdf, rng.float());
  }
  quantile(p: number): number {
    return upperBound(this.cdf, p);
  }
}

/** Index of the first element of sorted `a` strictly greater than x (clamped to the last). */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Arguments at or above this use the Stirling series directly (error below 1e-14). */
const STIRLING_MIN = 10;
/** ln(sqrt(2 pi)), the constant term of Stirling's series. */
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The gamma function: reflection below 0.5, the recurrence Gamma(x+1) = x Gamma(x)
 * up to {@link STIRLING_MIN}, then Stirling's series for ln Gamma with the
 * Bernoulli-number terms 1/12, -1/360, 1/1260, -1/1680, 1/1188.
 */
export function gamma(x: number): number {
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
  let prod = 1;
  while (x < STIRLING_MIN) {
    prod *= x;
    x += 1;
  }
  const inv = 1 / x, inv2 = inv * inv;
  const series = inv *
    (1 / 12 + inv2 * (-1 / 360 + inv2 * (1 / 1260 + inv2 * (-1 / 1680 + inv2 / 1188))));
  return Math.exp((x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + series) / prod;
}

// ---------------------------------------------------------------------------
// Factory shorthands.

/** The distribution that is always `x`. */
export const constant = (x: number): Distribution => new Constant(x);
/** Uniform on [`lo`, `hi`). */
export const uniform = (lo: number, hi: number): Distribution => new Uniform(lo, hi);
/** Exponential with the given mean. */
export const exponential = (mean: number): Distribution => new Exponential(mean);
/** Normal with the given mean and standard deviation. */
export const normal = (mean: number, sd: number): Distribution => new Normal(mean, sd);
/** Generalized extreme value with location, scale and shape. */
export const gev = (loc: number, scale: number, shape: number): Distribution =>
  new GeneralizedExtremeValue(loc, scale, shape);
/** Generalized Pareto with location, scale and shape. */
export const gpareto = (loc: number, scale: number, shape: number): Distribution =>
  new GeneralizedPareto(loc, scale, shape);
/** `values[i]` with probability proportional to `weights[i]`. */
export const discrete = (values: readonly number[], weights: readonly number[]): Distribution =>
  new Discrete(values, weights);
/** Piecewise-linear inverse of a CDF table of (value, cumulative probability) points. */
export const empirical = (
  table: readonly (readonly [value: number, cdf: number])[],
): Distribution => new Empirical(table);
/** Zipf over ranks 1..`n` with exponent `s`. */
export const zipf = (n: number, s: number): Distribution => new Zipf(n, s);

// ---------------------------------------------------------------------------
// Facebook "ETC" workload presets (Atikoglu et al., SIGMETRICS'12, as encoded by
// the mutilate load generator, github.com/leverich/mutilate Generator.cc; values
// copied from docs/PAPER.md).

/** ETC key size in bytes: GEV(30.7984, 8.20449, 0.078688). */
export const FB_KEY_SIZE = { loc: 30.7984, scale: 8.20449, shape: 0.078688 } as const;
/**
 * ETC value size in bytes beyond the discrete head: generalized Pareto(15, 214.476, 0.348238)
 * (mutilate Generator.cc createFacebookValue: `new GPareto(15.0, 214.476, 0.348238)`).
 */
export const FB_VALUE_SIZE = { loc: 15, scale: 214.476, shape: 0.348238 } as const;
/**
 * ETC inter-arrival time in microseconds: generalized Pareto(0, 16.0292, 0.154971).
 * mutilate's `-i fb_ia` keeps only the shape: its set_lambda rewrites the scale to
 * (1 - shape) / lambda so the mean gap is 1/lambda (apps/mutilate/generators.ts).
 */
export const FB_INTERARRIVAL_US = { loc: 0, scale: 16.0292, shape: 0.154971 } as const;
/**
 * mutilate's `fb_value` discrete head: (probability, value size in bytes) pairs
 * for sizes 0..14, tried in order with one uniform draw; a miss draws the
 * generalized Pareto tail with a fresh uniform (mutilate Generator.cc
 * createFacebookValue and Generator.h Discrete::generate). Head mass 0.44155,
 * mean ~194 B, median ~39 B.
 */
export const FB_VALUE_HEAD: readonly (readonly [prob: number, value: number])[] = [
  [0.00536, 0],
  [0.00047, 1],
  [0.1782, 2],
  [0.09239, 3],
  [0.00018, 4],
  [0.0274, 5],
  [0.00065, 6],
  [0.00606, 7],
  [0.00023, 8],
  [0.00837, 9],
  [0.00837, 10],
  [0.08989, 11],
  [0.00092, 12],
  [0.00326, 13],
  [0.0198, 14],
];

/** ETC key-size distribution (bytes, continuous; round and clamp to >= 1 at use). */
export function fbKeySize(): Distribution {
  return new GeneralizedExtremeValue(FB_KEY_SIZE.loc, FB_KEY_SIZE.scale, FB_KEY_SIZE.shape);
}

/** ETC value-size distribution (bytes): the discrete head over the Pareto tail. */
export function fbValueSize(): Distribution {
  return new HeadTail(FB_VALUE_HEAD, fbValueSizeTail(), "fb_value");
}

/** ETC value-size distribution without the discrete head (pure generalized Pareto). */
export function fbValueSizeTail(): Distribution {
  return new GeneralizedPareto(FB_VALUE_SIZE.loc, FB_VALUE_SIZE.scale, FB_VALUE_SIZE.shape);
}

/** ETC inter-arrival distribution in microseconds (per client connection). */
export function fbInterarrivalUs(): Distribution {
  return new GeneralizedPareto(
    FB_INTERARRIVAL_US.loc,
    FB_INTERARRIVAL_US.scale,
    FB_INTERARRIVAL_US.shape,
  );
}

// ---------------------------------------------------------------------------
// Spec parser.

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a CLI-style spec into a distribution. Accepted forms (names are
 * case-insensitive):
 *
 * - `100` or `fixed:100` / `constant:100`: always 100
 * - `uniform:lo,hi` (or `uniform:hi` for [0, hi))
 * - `exp:mean` / `exponential:mean` (note: the argument is the mean, not the rate)
 * - `normal:mean,sd`
 * - `gev:loc,scale,shape`
 * - `gpareto:loc,scale,shape` (also `gp:`)
 * - `zipf:n,s` (item indices 0..n-1)
 * - `discrete:v=w,v=w,...` (values with relative weights)
 * - `fb_key`, `fb_value`, `fb_ia` (Facebook ETC presets; fb_ia in microseconds)
 *
 * Throws an Error with a one-line message naming the problem.
 */
export function parseDistribution(spec: string): Distribution {
  const text = spec.trim();
  if (text === "") throw new Error("empty distribution spec");
  if (NUMBER_RE.test(text)) return new Constant(Number(text));
  const colon = text.indexOf(":");
  const name = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
  const rest = colon < 0 ? "" : text.slice(colon + 1);
  try {
    return build(name, rest, text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`distribution "${text}": ${msg}`);
  }
}

function build(name: string, rest: string, text: string): Distribution {
  switch (name) {
    case "fixed":
    case "constant":
    case "const": {
      const [v] = numbers(rest, 1, 1);
      return new Constant(v);
    }
    case "uniform": {
      const a = numbers(rest, 1, 2);
      return a.length === 1 ? new Uniform(0, a[0]) : new Uniform(a[0], a[1]);
    }
    case "exp":
    case "exponential": {
      const [m] = numbers(rest, 1, 1);
      return new Exponential(m);
    }
    case "normal": {
      const [m, sd] = numbers(rest, 2, 2);
      return new Normal(m, sd);
    }
    case "gev": {
      const [l, sc, sh] = numbers(rest, 3, 3);
      return new GeneralizedExtremeValue(l, sc, sh);
    }
    case "gpareto":
    case "gp": {
      const [l, sc, sh] = numbers(rest, 3, 3);
      return new GeneralizedPareto(l, sc, sh);
    }
    case "zipf": {
      const [n, s] = numbers(rest, 2, 2);
      return new Zipf(n, s);
    }
    case "discrete":
      return parseDiscrete(rest);
    case "fb_key":
      noArgs(rest);
      return fbKeySize();
    case "fb_value":
      noArgs(rest);
      return fbValueSize();
    case "fb_ia":
      noArgs(rest);
      return fbInterarrivalUs();
    default:
      throw new Error(
        `unknown distribution "${name || text}" (expected fixed, uniform, exp, normal, gev, ` +
          `gpareto, zipf, discrete, fb_key, fb_value or fb_ia)`,
      );
  }
}

function noArgs(rest: string): void {
  if (rest.trim() !== "") throw new Error(`takes no arguments, got "${rest}"`);
}

function parseNumber(s: string, what: string): number {
  const t = s.trim();
  if (!NUMBER_RE.test(t)) throw new Error(`${what} "${t}" is not a number`);
  return Number(t);
}

function numbers(rest: string, min: number, max: number): number[] {
  const parts = rest.trim() === "" ? [] : rest.split(",");
  if (parts.length < min || parts.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new Error(`expected ${want} comma-separated argument(s), got ${parts.length}`);
  }
  return parts.map((p, i) => parseNumber(p, `argument ${i + 1}`));
}

function parseDiscrete(rest: string): Distribution {
  const parts = rest.trim() === "" ? [] : rest.split(",");
  if (parts.length === 0) throw new Error("expected value=weight pairs");
  const values: number[] = [], weights: number[] = [];
  parts.forEach((p, i) => {
    const eq = p.indexOf("=");
    if (eq < 0) throw new Error(`pair ${i + 1} "${p.trim()}" is not value=weight`);
    values.push(parseNumber(p.slice(0, eq), `value ${i + 1}`));
    weights.push(parseNumber(p.slice(eq + 1), `weight ${i + 1}`));
  });
  return new Discrete(values, weights);
}

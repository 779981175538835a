/**
 * Measurement primitives: a latency histogram with bounded relative error,
 * named counters with deterministic order, a time-weighted level average and
 * a streaming mean/variance.
 */
import { NS, SEC, type Time } from "./time.ts";

/** Default lowest latency resolved by {@link LatencyHistogram}: 10 ns (the brief's range). */
export const HIST_DEFAULT_LOWEST: Time = 10 * NS;
/** Default highest latency resolved by {@link LatencyHistogram}: 10 s (the brief's range). */
export const HIST_DEFAULT_HIGHEST: Time = 10 * SEC;
/**
 * Default linear sub-buckets per power of two, as log2: 2^6 = 64 sub-buckets.
 * Reporting a bucket's midpoint bounds the relative error by 1/(2*64) = 0.78%,
 * inside the required 1%.
 */
export const HIST_DEFAULT_SUB_BITS = 6;
/** 2^32, for splitting values wider than 32 bits when finding their exponent. */
const TWO_POW_32 = 4294967296;

/** Range and precision of a {@link LatencyHistogram}. */
export interface HistogramOptions {
  /** Smallest value given its own bucket; smaller values count as underflow. */
  lowest?: Time;
  /** Largest value given its own bucket; larger values count as overflow. */
  highest?: Time;
  /** log2 of the linear sub-buckets per power of two (relative error <= 2^-(bits+1)). */
  subBucketBits?: number;
}

/** Count, mean and percentiles of recorded latencies (ps; 0 when empty). */
export interface LatencySummary {
  /** Values recorded. */
  count: number;
  /** Arithmetic mean. */
  mean: number;
  /** Smallest value recorded. */
  min: number;
  /** Median. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** 99.9th percentile. */
  p999: number;
  /** Largest value recorded. */
  max: number;
}

/**
 * Log-linear (HDR-style) histogram of non-negative values (latencies in ps).
 *
 * Each power-of-two range [2^e, 2^(e+1)) is split into 2^subBucketBits equal
 * buckets, so a bucket's width is at most 2^-subBucketBits of its lower bound;
 * percentiles report the bucket midpoint (clamped to [min, max]). Values below
 * `lowest` or above `highest` are counted as underflow/overflow and reported as
 * `min`/`max` when a percentile falls among them; they still count for `count`,
 * `mean`, `min` and `max`. Recording does not allocate.
 */
export class LatencyHistogram {
  /** Smallest value with its own bucket (ps). */
  readonly lowest: Time;
  /** Largest value with its own bucket (ps). */
  readonly highest: Time;
  /** Bits of sub-bucket precision per power of two. */
  readonly subBucketBits: number;

  private readonly subCount: number;
  private readonly minExp: number;
  private readonly counts: Float64Array;
  private readonly invPow2: Float64Array;
  private total = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private under = 0;
  private over = 0;

  /** An empty histogram over the range and precision `opts` gives (defaults: 10 ns..10 s). */
  constructor(opts: HistogramOptions = {}) {
    const lowest = opts.lowest ?? HIST_DEFAULT_LOWEST;
    const highest = opts.highest ?? HIST_DEFAULT_HIGHEST;
    const bits = opts.subBucketBits ?? HIST_DEFAULT_SUB_BITS;
    if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
      throw new RangeError(`histogram subBucketBits must be an integer in [1, 16], got ${bits}`);
    }
    if (!Number.isInteger(lowest) || lowest < 2 ** bits) {
      throw new RangeError(`histogram lowest must be an integer >= 2^subBucketBits, got ${lowest}`);
    }
    if (!Number.isInteger(highest) || highest <= lowest || highest >= 2 ** 52) {
      throw new RangeError(
        `histogram highest must be an integer in (lowest, 2^52), got ${highest}`,
      );
    }
    this.lowest = lowest;
    this.highest = highest;
    this.subBucketBits = bits;
    this.subCount = 1 << bits;
    this.minExp = exponentOf(lowest);
    const octaves = exponentOf(highest) - this.minExp + 1;
    this.counts = new Float64Array(octaves * this.subCount);
    this.invPow2 = new Float64Array(64);
    for (let i = 0; i < 64; i++) this.invPow2[i] = 2 ** -i;
  }

  /** Number of buckets (memory footprint / 8 bytes). */
  get bucketCount(): number {
    return this.counts.length;
  }

  /** Records one value. Negative or NaN values are a programming error. */
  record(v: number): void {
    this.recordN(v, 1);
  }

  /** Records `n` occurrences of value `v`. */
  recordN(v: number, n: number): void {
    if (!(v >= 0) || !(n >= 0)) {
      throw new RangeError(`histogram values and counts must be >= 0, got ${v} x ${n}`);
    }
    if (n === 0) return;
    this.total += n;
    this.sum += v * n;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
    if (v < this.lowest) this.under += n;
    else if (v > this.highest) this.over += n;
    else this.counts[this.indexOf(v)] += n;
  }

  /** Values recorded. */
  get count(): number {
    return this.total;
  }
  /** Smallest value recorded (0 when empty). */
  get min(): number {
    return this.total > 0 ? this.lo : 0;
  }
  /** Largest value recorded (0 when empty). */
  get max(): number {
    return this.total > 0 ? this.hi : 0;
  }
  /** Exact mean of the values recorded (0 when empty). */
  get mean(): number {
    return this.total > 0 ? this.sum / this.total : 0;
  }
  /** Values recorded below {@link lowest}. */
  get underflow(): number {
    return this.under;
  }
  /** Values recorded above {@link highest}. */
  get overflow(): number {
    return this.over;
  }

  /**
   * The nearest-rank `p`-th percentile (p in [0, 100]): the value whose rank is
   * ceil(p/100 * count), to within the bucket resolution. 0 when empty.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    if (!(p > 0)) return this.lo;
    if (p >= 100) return this.hi;
    const rank = nearestRank(p, this.total);
    let cum = this.under;
    if (rank <= cum) return this.lo;
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      cum += counts[i];
      if (rank <= cum) {
        const mid = this.bucketMid(i);
        return mid < this.lo ? this.lo : mid > this.hi ? this.hi : mid;
      }
    }
    return this.hi;
  }

  /** Count, mean, min, p50/p90/p99/p99.9 and max. */
  summary(): LatencySummary {
    return {
      count: this.total,
      mean: this.mean,
      min: this.min,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.max,
    };
  }

  /**
   * Non-empty buckets in increasing order as (representative value, count);
   * underflow is reported at `min` and overflow at `max`. For CDF plots.
   */
  buckets(): { value: number; count: number }[] {
    const out: { value: number; count: number }[] = [];
    if (this.under > 0) out.push({ value: this.lo, count: this.under });
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i] > 0) out.push({ value: this.bucketMid(i), count: this.counts[i] });
    }
    if (this.over > 0) out.push({ value: this.hi, count: this.over });
    return out;
  }

  /** Adds everything recorded in `other` (which must have the same layout). */
  merge(other: LatencyHistogram): void {
    if (
      other.lowest !== this.lowest || other.highest !== this.highest ||
      other.subBucketBits !== this.subBucketBits
    ) {
      throw new RangeError("cannot merge histograms with different ranges or resolutions");
    }
    if (other.total === 0) return;
    const a = this.counts, b = other.counts;
    for (let i = 0; i < a.length; i++) a[i] += b[i];
    this.total += other.total;
    this.sum += other.sum;
    this.under += other.under;
    this.over += other.over;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
  }

  /** Forgets every value recorded. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
    this.under = 0;
    this.over = 0;
  }

  /** Bucket index of value `v`. */
  private indexOf(v: number): number {
    const x = Math.floor(v);
    const e = exponentOf(x);
    const shift = e - this.subBucketBits;
    const sub = Math.floor(x * this.invPow2[shift]) - this.subCount;
    return (e - this.minExp) * this.subCount + sub;
  }

  /** Midpoint of bucket `i`. */
  private bucketMid(i: number): number {
    const octave = Math.floor(i / this.subCount);
    const sub = i - octave * this.subCount;
    const width = 2 ** (octave + this.minExp - this.subBucketBits);
    return (this.subCount + sub) * width + width / 2;
  }
}

/** floor(log2(x)) for an integer 1 <= x < 2^53, exactly. */
function exponentOf(x: number): number {
  if (x < TWO_POW_32) return 31 - Math.clz32(x);
  return 63 - Math.clz32(Math.floor(x / TWO_POW_32));
}

/**
 * The 1-based nearest rank ceil(p/100 * n), tolerant of binary rounding in p
 * (99.9% of 1000 is rank 999, not 1000).
 */
export function nearestRank(p: number, n: number): number {
  const exact = (p / 100) * n;
  const rank = Math.ceil(exact - exact * 1e-12);
  return rank < 1 ? 1 : rank > n ? n : rank;
}

/**
 * Named counters (drop reasons, event kinds). Reading order is always sorted
 * by name, never insertion or hash order.
 */
export class Counters {
  private readonly map = new Map<string, number>();

  /** Adds `n` (default 1) to counter `name`. */
  inc(name: string, n = 1): void {
    this.map.set(name, (this.map.get(name) ?? 0) + n);
  }

  /** Current value of `name` (0 if never incremented). */
  get(name: string): number {
    return this.map.get(name) ?? 0;
  }

  /** Sum of all counters. */
  get total(): number {
    let t = 0;
    for (const v of this.map.values()) t += v;
    return t;
  }

  /** Number of distinct counter names. */
  get size(): number {
    return this.map.size;
  }

  /** Counter names in sorted (code-unit) order. */
  names(): string[] {
    return [...this.map.keys()].sort(compareNames);
  }

  /** [name, value] pairs sorted by name. */
  entries(): [string, number][] {
    return this.names().map((k) => [k, this.map.get(k) as number]);
  }

  /** A plain object with keys in sorted order. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of this.names()) out[k] = this.map.get(k) as number;
    return out;
  }

  /** Adds every counter of `other` into this one. */
  merge(other: Counters): void {
    for (const k of other.names()) this.inc(k, other.get(k));
  }

  /** Sets every counter back to zero. */
  reset(): void {
    this.map.clear();
  }
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Time-weighted average of a piecewise-constant level (queue length,
 * utilisation, occupancy) over a window that starts at construction or at
 * {@link reset}.
 */
export class TimeWeighted {
  // Initialised here rather than only in the constructor so that V8 keeps the
  // fields as unboxed numbers (see NUMERIC_FIELDS in executor.ts).
  private start: Time = 0;
  private last: Time = 0;
  private level = 0;
  private area = 0;
  private peak = 0;

  /** Tracks a level that is `initial` from time `start`. */
  constructor(start: Time = 0, initial = 0) {
    this.start = start;
    this.last = start;
    this.level = initial;
    this.peak = initial;
  }

  /** The current level. */
  get value(): number {
    return this.level;
  }

  /** The highest level seen in the window. */
  get max(): number {
    return this.peak;
  }

  /** The level becomes `value` at time `now` (which must not go backwards). */
  set(now: Time, value: number): void {
    this.advance(now);
    this.level = value;
    if (value > this.peak) this.peak = value;
  }

  /** Adds `delta` to the level at time `now`. */
  add(now: Time, delta: number): void {
    this.set(now, this.level + delta);
  }

  /** Time-weighted mean level over [window start, now]; the current level if no time passed. */
  mean(now: Time): number {
    if (now < this.last) {
      throw new RangeError(`TimeWeighted.mean: time went backwards (${now} < ${this.last})`);
    }
    const span = now - this.start;
    if (span <= 0) return this.level;
    return (this.area + this.level * (now - this.last)) / span;
  }

  /** Starts a new window at `now`, keeping the current level. */
  reset(now: Time): void {
    this.advance(now);
    this.start = now;
    this.area = 0;
    this.peak = this.level;
  }

  /** Accumulates the current level up to `now`. */
  private advance(now: Time): void {
    if (now < this.last) {
      throw new RangeError(`TimeWeighted: time went backwards (${now} < ${this.last})`);
    }
    this.area += this.level * (now - this.last);
    this.last = now;
  }
}

/** Streaming count, mean, variance (Welford), min and max of plain numbers. */
export class RunningStats {
  /** Values added. */
  count = 0;
  /** Smallest value added (Infinity when none). */
  min: number = Infinity;
  /** Largest value added (-Infinity when none). */
  max: number = -Infinity;
  private m = 0;
  private s = 0;

  /** Adds one value. */
  add(x: number): void {
    this.count++;
    const d = x - this.m;
    this.m += d / this.count;
    this.s += d * (x - this.m);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /** Mean (0 when empty). */
  get mean(): number {
    return this.m;
  }

  /** Sample variance with n-1 denominator (0 with fewer than two values). */
  get variance(): number {
    return this.count > 1 ? this.s / (this.count - 1) : 0;
  }

  /** Sample standard deviation. */
  get sd(): number {
    return Math.sqrt(this.variance);
  }

  /** Forgets every value added. */
  reset(): void {
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.m = 0;
    this.s = 0;
  }
}

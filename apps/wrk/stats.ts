/**
 * wrk's statistics (stats.c @a211dd5): one bucket per integer value (latency
 * in us up to the timeout; per-thread request rates up to 10M/s).
 *
 * Faithful quirks: mean, stdev, +/- Stdev and percentiles walk only the
 * buckets from the recorded min to max, while `count` includes
 * coordinated-omission copies, which can fall below min (then they count in
 * the denominator only). Max is never raised by the correction.
 */

/** wrk.h MAX_THREAD_RATE_S: the request-rate statistic's bucket limit. */
export const MAX_THREAD_RATE_S = 10_000_000;

/** Buckets a fresh {@link WrkStats} holds before it grows. */
const INITIAL_BUCKETS = 1024;

export class WrkStats {
  /** Values recorded are < limit (stats_alloc(max): limit = max + 1). */
  readonly limit: number;
  /**
   * Buckets 0..data.length-1; the rest (up to limit) are 0. Grown on demand:
   * the limits run to millions of buckets, the values recorded rarely do.
   */
  private data: Float64Array;
  count = 0;
  min = Infinity;
  max = 0;
  /** The lowest bucket ever written (the correction can write below `min`); buckets below are 0. */
  private low = Infinity;

  constructor(maxValue: number) {
    if (!Number.isInteger(maxValue) || maxValue < 0) {
      throw new RangeError(
        `wrk stats: the largest value must be a whole number >= 0, got ${maxValue}`,
      );
    }
    this.limit = maxValue + 1;
    this.data = new Float64Array(Math.min(this.limit, INITIAL_BUCKETS));
  }

  /** stats_record: false (not recorded) when `n` >= limit. `n` is truncated to an integer. */
  record(n: number): boolean {
    const v = Math.trunc(n);
    if (!(v >= 0) || v >= this.limit) return false;
    if (v >= this.data.length) this.grow(v);
    this.data[v]++;
    this.count++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v < this.low) this.low = v;
    return true;
  }

  /** Makes room for bucket `v` (< limit), at least doubling. */
  private grow(v: number): void {
    const next = new Float64Array(Math.min(this.limit, Math.max(v + 1, this.data.length * 2)));
    next.set(this.data);
    this.data = next;
  }

  /** Count in bucket `n`. */
  at(n: number): number {
    return this.data[n] ?? 0;
  }

  /**
   * A copy (keep the closed-loop data before {@link correct}). Only the
   * buckets ever written are copied (the rest are 0 on both sides): the
   * arrays hold millions of buckets.
   */
  clone(): WrkStats {
    const c = new WrkStats(this.limit - 1);
    if (this.max >= c.data.length) c.grow(this.max);
    if (this.low <= this.max) c.data.set(this.data.subarray(this.low, this.max + 1), this.low);
    c.count = this.count;
    c.min = this.min;
    c.max = this.max;
    c.low = this.low;
    return c;
  }

  /**
   * stats_correct (coordinated omission): every value n >= 2E adds its count
   * again at n - E, n - 2E, ... while above E.
   */
  correct(expected: number): void {
    const e = Math.trunc(expected);
    if (!(e > 0)) return;
    for (let n = e * 2; n <= this.max; n++) {
      const count = this.data[n];
      if (count === 0) continue;
      for (let m = n - e; m > e; m -= e) {
        this.data[m] += count;
        this.count += count;
        if (m < this.low) this.low = m;
      }
    }
  }

  mean(): number {
    if (this.count === 0) return 0;
    let sum = 0;
    for (let i = this.min; i <= this.max; i++) sum += this.data[i] * i;
    return sum / this.count;
  }

  /** Sample standard deviation (n - 1). */
  stdev(mean: number): number {
    if (this.count < 2) return 0;
    let sum = 0;
    for (let i = this.min; i <= this.max; i++) {
      if (this.data[i] !== 0) sum += (i - mean) ** 2 * this.data[i];
    }
    return Math.sqrt(sum / (this.count - 1));
  }

  /** Percent of values within mean +/- k stdev. */
  withinStdev(mean: number, stdev: number, k: number): number {
    const upper = mean + stdev * k, lower = mean - stdev * k;
    let sum = 0;
    for (let i = this.min; i <= this.max; i++) if (i >= lower && i <= upper) sum += this.data[i];
    return (sum / this.count) * 100;
  }

  /** The first value whose cumulative count reaches round(p/100 x count + 0.5); 0 if none. */
  percentile(p: number): number {
    const rank = Math.round((p / 100) * this.count + 0.5);
    let total = 0;
    for (let i = this.min; i <= this.max; i++) {
      total += this.data[i];
      if (total >= rank) return i;
    }
    return 0;
  }
}

/** wrk main: the correction interval E = runtime_us / floor(complete / c), or 0 (none). */
export function correctionInterval(
  runtimeUs: number,
  complete: number,
  connections: number,
): number {
  const perConn = Math.floor(complete / connections);
  return perConn > 0 ? Math.floor(runtimeUs / perConn) : 0;
}

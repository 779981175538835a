/**
 * mutilate's statistics (LogHistogramSampler.h, ConnectionStats.h @d65c6ef).
 *
 * {@link LogHistogram}: bin i counts samples in [1.1^i, 1.1^(i+1)) (us for
 * latencies; samples below 1 land in bin 0, beyond the last bin in the last).
 * Percentiles interpolate linearly inside their bin; avg and the population
 * std come from exact sums; min is the lower edge of the lowest non-empty bin
 * (mutilate prints get_nth(0)).
 */

/** Bin ratio (LogHistogramSampler.h `_POW`). */
export const LOG_BIN_RATIO = 1.1;
const LN_RATIO = Math.log(LOG_BIN_RATIO);
/** Bins of the get/set latency samplers (ConnectionStats.h `get_sampler(200)`); +1 for overflow. */
export const LATENCY_BINS = 200;
/** Bins of the outstanding-ops sampler (ConnectionStats.h `op_sampler(100)`). */
export const OPQ_BINS = 100;

export class LogHistogram {
  /** Counts of bins 0..nbins (mutilate allocates `_bins + 1`). */
  readonly bins: Float64Array;
  sum = 0;
  sumSq = 0;
  count = 0;

  constructor(nbins: number) {
    this.bins = new Float64Array(nbins + 1);
  }

  /** Records one sample (>= 0). */
  sample(s: number): void {
    let bin = Math.floor(Math.log(s) / LN_RATIO);
    if (!(bin >= 0)) bin = 0; // below 1 (or 0: log -> -Infinity)
    else if (bin >= this.bins.length) bin = this.bins.length - 1;
    this.bins[bin]++;
    this.sum += s;
    this.sumSq += s * s;
    this.count++;
  }

  average(): number {
    return this.sum / this.count;
  }

  /** Population standard deviation. */
  stddev(): number {
    const m = this.sum / this.count;
    return Math.sqrt(Math.max(0, this.sumSq / this.count - m * m));
  }

  /** mutilate get_nth(nth), nth in percent: linear interpolation inside the bin. */
  percentile(nth: number): number {
    const target = (this.count * nth) / 100;
    let n = 0;
    for (let i = 0; i < this.bins.length; i++) {
      n += this.bins[i];
      if (n > target) {
        const left = target - (n - this.bins[i]);
        const lo = Math.pow(LOG_BIN_RATIO, i), hi = Math.pow(LOG_BIN_RATIO, i + 1);
        return lo + (left / this.bins[i]) * (hi - lo);
      }
    }
    return Math.pow(LOG_BIN_RATIO, this.bins.length);
  }

  /** The printed `min`: get_nth(0), the lower edge of the lowest non-empty bin. */
  min(): number {
    return this.percentile(0);
  }

  clear(): void {
    this.bins.fill(0);
    this.sum = this.sumSq = this.count = 0;
  }

  add(o: LogHistogram): void {
    if (o.bins.length !== this.bins.length) throw new RangeError("histogram sizes differ");
    for (let i = 0; i < this.bins.length; i++) this.bins[i] += o.bins[i];
    this.sum += o.sum;
    this.sumSq += o.sumSq;
    this.count += o.count;
  }
}

/** One connection's (or a whole run's) counters, as ConnectionStats. */
export class MutilateStats {
  /** Get latencies in us (sampling connections only). */
  readonly get = new LogHistogram(LATENCY_BINS);
  /** Set latencies in us (sampling connections only). */
  readonly set = new LogHistogram(LATENCY_BINS);
  /** Outstanding ops including the new one, sampled per send (sampling connections only). */
  readonly opq = new LogHistogram(OPQ_BINS);
  gets = 0;
  sets = 0;
  getMisses = 0;
  skips = 0;
  rxBytes = 0;
  txBytes = 0;
  /** Replies that could not be read as memcached ASCII replies (counted, ignored). */
  badReplies = 0;

  /** Back to zero (mutilate's reset after a warm-up). */
  clear(): void {
    this.get.clear();
    this.set.clear();
    this.opq.clear();
    this.gets =
      this.sets =
      this.getMisses =
      this.skips =
        0;
    this.rxBytes = this.txBytes = this.badReplies = 0;
  }

  /** Adds another connection's counters (ConnectionStats::accumulate). */
  add(o: MutilateStats): void {
    this.get.add(o.get);
    this.set.add(o.set);
    this.opq.add(o.opq);
    this.gets += o.gets;
    this.sets += o.sets;
    this.getMisses += o.getMisses;
    this.skips += o.skips;
    this.rxBytes += o.rxBytes;
    this.txBytes += o.txBytes;
    this.badReplies += o.badReplies;
  }
}

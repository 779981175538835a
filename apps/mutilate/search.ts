/**
 * mutilate's `--search N:X` and `--scan min:max:step` (mutilate.cc main),
 * as pure functions over a `run(qps)` callback that performs one full run
 * (load, warm-up, measurement) at target `qps` (0 = unpaced) and reports the
 * achieved QPS and the read latency percentile.
 */

export interface RunResult {
  /** Completed gets + sets per second of the measurement window. */
  readonly achievedQps: number;
  /** Read (get) latency at the searched percentile, us. */
  readonly latencyUs: number;
}

export interface SearchStep {
  readonly targetQps: number;
  readonly result: RunResult;
}

export interface SearchOutcome {
  /** The first run's achieved QPS (mutilate's "Peak QPS"). */
  readonly peakQps: number;
  /** Every run in order; the answer is the last one's achieved QPS. */
  readonly steps: readonly SearchStep[];
  readonly last: RunResult;
  /** Whether the last run meets the latency bound (the 0.1 P floor can stop short). */
  readonly met: boolean;
}

/**
 * `--search N:X`: run at `startQps` (mutilate's -q, normally 0); P = achieved.
 * If p_N <= X, done. Else binary search between 1 and P while high > 1.02 low
 * and cur > 0.1 P (cur = integer mean of high and low; p_N > X lowers high,
 * else raises low), then step down 2% (cur = cur * 98 / 100, integer) while
 * p_N > X, cur > 0.1 P and cur > 0.9 low. `run(qps)` gets `percentile` from
 * the caller's closure.
 */
export function search(
  boundUs: number,
  run: (qps: number) => RunResult,
  startQps = 0,
): SearchOutcome {
  const steps: SearchStep[] = [];
  const go = (q: number): RunResult => {
    const r = run(q);
    steps.push({ targetQps: q, result: r });
    return r;
  };
  let r = go(startQps);
  const peak = r.achievedQps;
  let high = Math.trunc(peak); // int high_qps = stats.get_qps()
  let low = 1;
  let cur = Math.trunc(peak);
  let nth = r.latencyUs;
  if (nth > boundUs) {
    while (high > low * 1.02 && cur > peak * 0.1) {
      cur = Math.trunc((high + low) / 2);
      r = go(cur);
      nth = r.latencyUs;
      if (nth > boundUs) high = cur;
      else low = cur;
    }
    while (nth > boundUs && cur > peak * 0.1 && cur > low * 0.9) {
      cur = Math.trunc((cur * 98) / 100);
      r = go(cur);
      nth = r.latencyUs;
    }
  }
  return { peakQps: peak, steps, last: r, met: nth <= boundUs };
}

/** `--scan min:max:step`: the targets, one run each (q = min; q <= max; q += step). */
export function scanTargets(min: number, max: number, step: number): number[] {
  if (!(step > 0)) throw new RangeError(`scan step must be positive, got ${step}`);
  const out: number[] = [];
  for (let q = min; q <= max; q += step) out.push(q);
  return out;
}

/** Parses `N:X` (mutilate atoi on both halves); null when a half is missing. */
export function parseSearch(arg: string): { percentile: number; boundUs: number } | null {
  const [n, x] = arg.split(":").filter((s) => s !== "");
  if (n === undefined || x === undefined) return null;
  return { percentile: atoi(n), boundUs: atoi(x) };
}

/** Parses `min:max:step`; null when a part is missing. */
export function parseScan(arg: string): { min: number; max: number; step: number } | null {
  const [a, b, c] = arg.split(":").filter((s) => s !== "");
  if (a === undefined || b === undefined || c === undefined) return null;
  return { min: atoi(a), max: atoi(b), step: atoi(c) };
}

function atoi(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m === null ? 0 : Number(m[0]);
}

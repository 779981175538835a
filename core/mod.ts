/**
 * The simulation kernel: integer-picosecond time and clock domains, the event
 * scheduler, seeded random streams, distributions, latency histograms and
 * counters, and simulated cores (work executors) with their locks.
 *
 * Time is a plain number of picoseconds ({@link Time}); build it from the
 * units ({@link US}, {@link ms}, ...) and read it back with {@link toUs} and
 * friends. Every random draw comes from a named {@link Rng} stream, so the
 * same seed gives the same run.
 *
 * @example Exponential service times into a latency histogram
 * ```ts
 * import assert from "node:assert/strict";
 * import { exponential, LatencyHistogram, Rng, toUs, us } from "./mod.ts";
 *
 * const service = exponential(us(10));
 * const rng = new Rng(7).stream("service");
 * const hist = new LatencyHistogram();
 * for (let i = 0; i < 10_000; i++) hist.record(service.sample(rng));
 * const { mean, p99 } = hist.summary();
 * assert.ok(Math.abs(toUs(mean) - 10) < 0.5); // mean 10 us
 * assert.ok(p99 > mean * 4); // an exponential's p99 is 4.6 times its mean
 * ```
 *
 * @module
 */
export {
  Clock,
  formatTime,
  MS,
  ms,
  NS,
  ns,
  PS,
  SEC,
  type Time,
  toMs,
  toNs,
  toSec,
  toUs,
  US,
  us,
} from "./time.ts";
export { type EventId, type Handler, Scheduler } from "./scheduler.ts";
export { Rng } from "./rng.ts";
export {
  constant,
  discrete,
  type Distribution,
  empirical,
  exponential,
  fbInterarrivalUs,
  fbKeySize,
  fbValueSize,
  gev,
  gpareto,
  normal,
  parseDistribution,
  uniform,
  zipf,
} from "./dist.ts";
export {
  Counters,
  type HistogramOptions,
  LatencyHistogram,
  type LatencySummary,
  RunningStats,
  TimeWeighted,
} from "./stats.ts";
export {
  CATEGORIES,
  type Category,
  type LockFactory,
  type LockLike,
  type WorkContext,
} from "./work.ts";
export {
  contextCore,
  Core,
  CoreContext,
  type CoreStats,
  GuestContext,
  Poller,
  Priority,
  type WorkFn,
} from "./executor.ts";
export { Lock, LockHandle, lockOf, type LockOwner, LockTable } from "./lock.ts";

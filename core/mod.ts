/**
 * The simulation kernel: integer-picosecond time, the event scheduler, seeded
 * random streams, distributions and latency statistics.
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
export { Core, CoreContext, type CoreStats, Poller, Priority, type WorkFn } from "./executor.ts";
export { Lock, type LockOwner, LockTable } from "./lock.ts";

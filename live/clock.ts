/**
 * Wall-clock time for the sans-IO stack: picoseconds (core/time.ts) since a
 * shared epoch. Each Worker has its own `performance.timeOrigin`, so the
 * epoch is an absolute millisecond count every Worker receives; readings are
 * made monotonic per Worker.
 */
import { MS, type Time } from "../core/time.ts";

/** Absolute milliseconds now (same scale in every Worker). */
export function absoluteMs(): number {
  return performance.timeOrigin + performance.now();
}

export class LiveClock {
  private last: Time = 0;
  constructor(readonly epochMs: number) {}
  /** Picoseconds since the epoch, never decreasing. */
  now(): Time {
    const t = Math.round((absoluteMs() - this.epochMs) * MS);
    if (t > this.last) this.last = t;
    return this.last;
  }
}

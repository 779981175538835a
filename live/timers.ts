/**
 * App timers (`SocketApi.timer`) on wall-clock time: one-shot (time, tag)
 * entries kept in time order; the Worker loop fires the due ones and bounds
 * its sleep by the earliest.
 */
import type { Time } from "../core/time.ts";

export class AppTimers {
  private readonly at: Time[] = [];
  private readonly tags: number[] = [];

  add(at: Time, tag: number): void {
    let k = this.at.length;
    while (k > 0 && this.at[k - 1] > at) k--;
    this.at.splice(k, 0, at);
    this.tags.splice(k, 0, tag);
  }

  /** Earliest pending time, or Infinity. */
  next(): Time {
    return this.at.length > 0 ? this.at[0] : Infinity;
  }

  /** Calls `fire(tag)` for every timer due at `now`, in time order; returns how many fired. */
  fireDue(now: Time, fire: (tag: number) => void): number {
    let n = 0;
    while (this.at.length > 0 && this.at[0] <= now) {
      this.at.shift();
      fire(this.tags.shift()!);
      n++;
    }
    return n;
  }
}

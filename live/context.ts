/**
 * The work context live code runs in: nothing is charged (the cost is real
 * CPU time now), locks are no-ops (each Worker is single-threaded and shares
 * no app state), and `then` callbacks run at once, at the wall-clock time.
 */
import type { Time } from "../core/time.ts";
import type { Category, LockLike, WorkContext } from "../core/work.ts";
import type { LiveClock } from "./clock.ts";

export class LiveContext implements WorkContext {
  constructor(private readonly clock: LiveClock) {}
  charge(_category: Category, _cycles: number): void {}
  acquire(_lock: LockLike): void {}
  release(_lock: LockLike): void {}
  then(fn: (t: Time) => void): void {
    fn(this.clock.now());
  }
}

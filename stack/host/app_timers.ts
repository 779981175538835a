/**
 * Application timers ({@link SocketApi.timer}) of one application core: a
 * binary min-heap of (time, order asked, tag) in parallel arrays, one
 * scheduler event armed at the earliest, and at most one work item queued on
 * the core to run the due ones. Every hosting mode keeps one per
 * application core (DLibOS application cores, RTC cores, Linux threads); the
 * mode decides what the item charges and how it calls the application.
 *
 * Semantics: a timer fires in a work item dispatched no earlier than its
 * time (later only by the core's queueing), timers run in (time, order asked)
 * order, and every timer due when the item is dispatched runs in that item.
 * A timer asked for at a time not in the future fires in a new item, never
 * inside the asking call. Nothing is allocated per timer: the heap's arrays
 * grow by doubling, and the core's item and the scheduler event carry this
 * object as their argument.
 */
import type { CoreContext } from "../../core/executor.ts";
import type { Core } from "../../core/executor.ts";
import type { Scheduler } from "../../core/scheduler.ts";
import type { Time } from "../../core/time.ts";

/** Initial heap capacity (it doubles when full). */
const INITIAL_TIMERS = 16;

/** What runs the due timers on the core (the mode's work item). */
export type TimerRunner<A> = (ctx: CoreContext, owner: A) => void;

export class AppTimers<A> {
  private at = new Float64Array(INITIAL_TIMERS);
  private seq = new Float64Array(INITIAL_TIMERS);
  private tags = new Float64Array(INITIAL_TIMERS);
  private size = 0;
  private nextSeq = 0;
  /** The armed scheduler event (0: none) and its time. */
  private event = 0;
  private eventAt: Time = Infinity;
  /** A runner item is queued on the core and not yet dispatched. */
  private queued = false;
  /** Timers fired so far. */
  fired = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly core: Core,
    private readonly run: TimerRunner<A>,
    private readonly owner: A,
  ) {}

  /** Timers waiting. */
  get pending(): number {
    return this.size;
  }

  /** Asks for `tag` at `at` (any finite time; a past one means at once). */
  add(at: Time, tag: number): void {
    if (!Number.isFinite(at)) throw new RangeError(`timer: time must be finite, got ${at}`);
    if (this.size === this.at.length) this.grow();
    let i = this.size++;
    const s = this.nextSeq++;
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.at[p] < at || (this.at[p] === at && this.seq[p] < s)) break;
      this.at[i] = this.at[p];
      this.seq[i] = this.seq[p];
      this.tags[i] = this.tags[p];
      i = p;
    }
    this.at[i] = at;
    this.seq[i] = s;
    this.tags[i] = tag;
    if (!this.queued) this.arm();
  }

  /**
   * Pops the earliest timer due at `now` into {@link tag}; false when none is
   * due. Call from the runner item only.
   */
  popDue(now: Time): boolean {
    if (this.size === 0 || this.at[0] > now) return false;
    this.tag = this.tags[0];
    const n = --this.size;
    if (n > 0) {
      const at = this.at[n], s = this.seq[n], tag = this.tags[n];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n &&
            (this.at[r] < this.at[l] || (this.at[r] === this.at[l] && this.seq[r] < this.seq[l]))
          ? r
          : l;
        if (at < this.at[c] || (at === this.at[c] && s < this.seq[c])) break;
        this.at[i] = this.at[c];
        this.seq[i] = this.seq[c];
        this.tags[i] = this.tags[c];
        i = c;
      }
      this.at[i] = at;
      this.seq[i] = s;
      this.tags[i] = tag;
    }
    this.fired++;
    return true;
  }

  /** The tag of the timer {@link popDue} last returned. */
  tag = 0;

  /** Marks the runner item dispatched (call first in it). */
  begin(): void {
    this.queued = false;
  }

  /** Re-arms for the earliest timer left (call last in the runner item). */
  end(): void {
    this.arm();
  }

  /** Makes sure an event is armed no later than the earliest timer. */
  private arm(): void {
    if (this.size === 0) return;
    const first = this.at[0];
    const t = first > this.sched.now ? first : this.sched.now;
    if (this.event !== 0) {
      if (this.eventAt <= t) return;
      this.sched.cancel(this.event);
    }
    this.eventAt = t;
    this.event = this.sched.at(t, AppTimers.fire, this as AppTimers<unknown>);
  }

  private static fire(_t: Time, self: AppTimers<unknown>): void {
    self.event = 0;
    self.eventAt = Infinity;
    if (self.queued) return;
    self.queued = true;
    self.core.submit(self.run as TimerRunner<unknown>, self.owner);
  }

  private grow(): void {
    const cap = this.at.length * 2;
    const grow = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.at = grow(this.at);
    this.seq = grow(this.seq);
    this.tags = grow(this.tags);
  }
}

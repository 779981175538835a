/**
 * The core executor: runs work items on one simulated core and turns their
 * recorded costs into simulated time (the implementation of {@link WorkContext}).
 *
 * Model. A core runs one item at a time, highest priority class first and FIFO
 * within a class, with no preemption inside an item. When an item is
 * dispatched at time t0 its function runs immediately (its functional effects
 * happen at t0) and records steps through its context:
 *
 * - `charge(category, cycles)` advances the item's cursor; the cursor time is
 *   t0 + (spin so far) + clock.cycles(cumulative cycles), rounded once.
 * - `acquire(lock)` / `release(lock)` at the cursor.
 * - `then(fn)` / `thenCall(fn, arg)`: a callback at the cursor time.
 *
 * The executor then replays the record in simulated time. Callbacks and
 * releases whose time is now run inline; later ones run from a scheduler event
 * at their time. Every acquire is evaluated by an event at its cursor time, so
 * all other cores' earlier events (and same-time events scheduled earlier)
 * have been processed: a free lock is granted, a held one makes the core spin
 * in the lock's FIFO, and the spin is charged to "lock-spin" and shifts the
 * rest of the item. A release hands the lock to the first waiter at the
 * release time. When the replay ends the core dispatches its next item.
 *
 * Cost: an item without locks or later callbacks costs exactly one scheduler
 * event (its completion), and the record lives in a reusable step buffer, so
 * the fast path allocates nothing. Items that submit to an idle core start
 * that core's item synchronously (inside the submit call); submitting to a busy
 * core (including the current one) queues the item.
 *
 * Pollers. A real network core polls in a loop; simulating every empty poll
 * would cost events for nothing. Instead, producers wake the poller when they
 * add work: {@link Poller.wake} submits the poll function unless it is already
 * queued (it is un-queued at dispatch, so a wake while it runs queues another
 * pass), and {@link Core.submitIfIdle} / {@link Core.idle} / {@link Core.onIdle}
 * cover the other common patterns. A poll pass must charge a positive number of
 * cycles, or a poller that re-wakes itself never lets simulated time advance.
 */
import type { Handler, Scheduler } from "./scheduler.ts";
import type { Clock, Time } from "./time.ts";
import {
  CATEGORIES,
  type Category,
  categoryIndex,
  type LockLike,
  type WorkContext,
} from "./work.ts";
import { Lock, lockOf, type LockOwner } from "./lock.ts";
import { TimeWeighted } from "./stats.ts";

/** Priority classes: lower value runs first. */
export const Priority = {
  /** Interrupt-like work (timer expiries, NIC interrupts in the Linux model). */
  High: 0,
  /** Ordinary work. */
  Normal: 1,
  /** Background work that runs only when nothing else is queued. */
  Low: 2,
} as const;
/** A work item's priority class: one of the {@link Priority} values. */
export type Priority = typeof Priority[keyof typeof Priority];

/** Number of priority classes in {@link Priority}. */
const PRIORITY_CLASSES = 3;

/** A work item: runs at dispatch and records its costs on `ctx`. */
export type WorkFn<A> = (ctx: CoreContext, arg: A) => void;

/** Number of busy-time categories. */
const NCAT = CATEGORIES.length;

const LOCK_SPIN = categoryIndex("lock-spin");

/*
 * NUMERIC_FIELDS. Core and CoreContext declare every numeric field with an
 * initializer and take no constructor parameter properties. With parameter
 * properties, the emitted JavaScript declares all fields first (as undefined)
 * and assigns them in the constructor, so V8 stores times and cycle counts as
 * generic tagged fields, and every update of a non-integer or large value
 * allocates a heap number. Initialised with a number, a field holds its
 * number unboxed and updates allocate nothing.
 */

/** Step kinds in the record. */
const STEP_THEN = 0;
const STEP_CALL = 1;
const STEP_ACQUIRE = 2;
const STEP_RELEASE = 3;
/** A release made for an item that faulted while holding the lock. */
const STEP_FAULT_RELEASE = 4;

/** Initial step-buffer and run-queue capacities (they double when full). */
const INITIAL_STEPS = 16;
const INITIAL_QUEUE = 16;

/**
 * The context a work item records into. One per core, reused for every item;
 * using it after the item's function has returned is a programming error.
 */
export class CoreContext implements WorkContext {
  /** @internal cumulative cycles charged by the current item. */
  total = 0;
  /**
   * @internal cycles per category charged by the current item. Entries are
   * zeroed when the item completes, so only charged categories are touched.
   */
  readonly cat = new Float64Array(NCAT);
  /** @internal bit k set when category k was charged by the current item. */
  touched = 0;
  /** @internal number of recorded steps. */
  n = 0;
  /** @internal step kinds. */
  kinds = new Uint8Array(INITIAL_STEPS);
  /** @internal cumulative cycles at each step. */
  cyc = new Float64Array(INITIAL_STEPS);
  /** @internal lock or callback of each step. */
  refs: unknown[] = new Array(INITIAL_STEPS).fill(undefined);
  /** @internal argument of each thenCall step. */
  args: unknown[] = new Array(INITIAL_STEPS).fill(undefined);
  /** @internal true while the item's function runs. */
  recording = false;
  private readonly held: Lock[] = [];
  /** The core this context records work for. */
  readonly core: Core;

  // No constructor parameter properties here or in Core (see NUMERIC_FIELDS).
  /** A context recording the work items of `core`. */
  constructor(core: Core) {
    this.core = core;
  }

  /** Cycles charged so far by the current item. */
  get cycles(): number {
    return this.total;
  }

  charge(category: Category, cycles: number): void {
    if (!this.recording) this.stale();
    const k = categoryIndex(category);
    if (k < 0) throw new RangeError(`unknown work category "${category}"`);
    if (!(cycles >= 0 && cycles < Infinity)) {
      throw new RangeError(`charge(${category}) needs finite cycles >= 0, got ${cycles}`);
    }
    this.add(k, cycles);
  }

  /**
   * Like {@link charge} with the category given by its index in
   * {@link CATEGORIES} (see {@link categoryIndex}), for hot callers that look
   * the index up once.
   */
  chargeIndex(k: number, cycles: number): void {
    if (!this.recording) this.stale();
    if (!(k >= 0 && k < NCAT && (k | 0) === k)) {
      throw new RangeError(`unknown work category index ${k}`);
    }
    if (!(cycles >= 0 && cycles < Infinity)) {
      throw new RangeError(`charge(${CATEGORIES[k]}) needs finite cycles >= 0, got ${cycles}`);
    }
    this.add(k, cycles);
  }

  /** Adds `cycles` to category index `k` of the current item. */
  private add(k: number, cycles: number): void {
    this.cat[k] += cycles;
    this.touched |= 1 << k;
    this.total += cycles;
  }

  /** Acquires `lock`: a core/lock.ts {@link Lock} or a {@link LockHandle} of one. */
  acquire(lock: LockLike): void {
    if (!this.recording) this.stale();
    const l = lock instanceof Lock ? lock : lockOf(lock);
    if (l === null) throw notALock("acquire", lock);
    if (this.held.includes(l)) {
      throw new Error(`${this.core.name} re-acquires lock "${l.name}" it already holds`);
    }
    this.held.push(l);
    this.push(STEP_ACQUIRE, l, undefined);
  }

  release(lock: LockLike): void {
    if (!this.recording) this.stale();
    const l = lock instanceof Lock ? lock : lockOf(lock);
    if (l === null) throw notALock("release", lock);
    const i = this.held.lastIndexOf(l);
    if (i >= 0) this.held.splice(i, 1);
    this.push(STEP_RELEASE, l, undefined);
  }

  /** Locks the current item has acquired and not released (a mark for {@link releaseAfterFault}). */
  get heldCount(): number {
    return this.held.length;
  }

  /**
   * Fault containment: records, at the current point, the release of every
   * lock acquired after the first `mark` the item still holds (newest first),
   * each counted in {@link Lock.faultReleases}. A host calls it when the code
   * it ran from `mark` on threw a contained fault. Returns how many.
   */
  releaseAfterFault(mark: number): number {
    if (!this.recording) this.stale();
    const held = this.held;
    let n = 0;
    while (held.length > mark) {
      this.push(STEP_FAULT_RELEASE, held.pop(), undefined);
      n++;
    }
    return n;
  }

  then(fn: (t: Time) => void): void {
    if (!this.recording) this.stale();
    this.push(STEP_THEN, fn, undefined);
  }

  /** Like {@link then} but passes `arg`, so hot paths need not allocate a closure. */
  thenCall<A>(fn: (t: Time, arg: A) => void, arg: A): void {
    if (!this.recording) this.stale();
    this.push(STEP_CALL, fn, arg);
  }

  /** @internal starts recording a new item (`cat` is already all zero). */
  begin(): void {
    this.total = 0;
    if (this.touched !== 0) this.discard(); // only after an item threw
    // A guarded truncation: far cheaper than an unconditional length store.
    this.n = 0;
    if (this.held.length !== 0) this.held.length = 0;
    this.recording = true;
  }

  /** Zeroes the per-category cycles of an item that never completed. */
  private discard(): void {
    this.cat.fill(0);
    this.touched = 0;
  }

  /** @internal drops references held by the last item's steps. */
  clear(): void {
    for (let i = 0; i < this.n; i++) {
      this.refs[i] = undefined;
      this.args[i] = undefined;
    }
    this.n = 0;
  }

  /** Appends one replay step (a lock or callback with its argument) at the current cycle count. */
  private push(kind: number, ref: unknown, arg: unknown): void {
    if (this.n === this.kinds.length) this.grow();
    const i = this.n++;
    this.kinds[i] = kind;
    this.cyc[i] = this.total;
    this.refs[i] = ref;
    this.args[i] = arg;
  }

  /** Doubles the step arrays. */
  private grow(): void {
    const cap = this.kinds.length * 2;
    const kinds = new Uint8Array(cap);
    kinds.set(this.kinds);
    const cyc = new Float64Array(cap);
    cyc.set(this.cyc);
    this.kinds = kinds;
    this.cyc = cyc;
    for (let i = this.refs.length; i < cap; i++) {
      this.refs.push(undefined);
      this.args.push(undefined);
    }
  }

  /** Throws: the context was used after its work item ended. */
  private stale(): never {
    throw new Error(`${this.core.name}: WorkContext used outside its work item`);
  }
}

function notALock(op: string, lock: LockLike): TypeError {
  return new TypeError(
    `${op}: lock "${lock?.name}" is not a core/lock.ts Lock (give the host a LockTable factory)`,
  );
}

/** Set in {@link GuestContext}'s static block: the context behind a guest's, or null. */
let innerOf: (x: object) => CoreContext | null;

/**
 * The {@link WorkContext} a host gives software across an isolation boundary
 * (an application): charge, acquire, release and then, and nothing else. The
 * core's own context (whose `core` leads to the scheduler, the queues and
 * every lock) is in a #private field; the instance and the class are frozen.
 * Callbacks passed to {@link then} run from the executor's replay, so a
 * fault they raise is handed to the host's `onFault` (which contains it or
 * rethrows) rather than thrown into the scheduler.
 */
export class GuestContext implements WorkContext {
  readonly #ctx: CoreContext;
  readonly #run: (t: Time, fn: (t: Time) => void) => void;

  static {
    innerOf = (x) => (#ctx in x ? x.#ctx : null);
  }

  /** The guest face of `ctx`; `onFault` gets what a `then` callback throws. */
  constructor(ctx: CoreContext, onFault: (e: unknown) => void) {
    if (!(ctx instanceof CoreContext)) throw new TypeError("GuestContext: needs a core's context");
    this.#ctx = ctx;
    // One closure per guest, so then() allocates nothing per call.
    this.#run = (t, fn) => {
      try {
        fn(t);
      } catch (e) {
        onFault(e);
      }
    };
    Object.freeze(this);
  }

  charge(category: Category, cycles: number): void {
    this.#ctx.charge(category, cycles);
  }

  acquire(lock: LockLike): void {
    this.#ctx.acquire(lock);
  }

  release(lock: LockLike): void {
    this.#ctx.release(lock);
  }

  then(fn: (t: Time) => void): void {
    if (typeof fn !== "function") throw new TypeError("then: needs a function");
    this.#ctx.thenCall(this.#run, fn);
  }
}
Object.freeze(GuestContext.prototype);
Object.freeze(GuestContext);

/**
 * The core a work context runs on (a {@link CoreContext} or a
 * {@link GuestContext}), or null for other contexts: for hosts and tests,
 * not reachable from the context itself.
 */
export function contextCore(ctx: WorkContext): Core | null {
  if (ctx instanceof CoreContext) return ctx.core;
  const inner = typeof ctx === "object" && ctx !== null ? innerOf(ctx) : null;
  return inner === null ? null : inner.core;
}

/** A growable FIFO of (fn, arg) pairs. */
class ItemRing {
  fns: (WorkFn<never> | undefined)[] = new Array(INITIAL_QUEUE).fill(undefined);
  args: unknown[] = new Array(INITIAL_QUEUE).fill(undefined);
  head = 0;
  size = 0;

  push(fn: WorkFn<never>, arg: unknown): void {
    let cap = this.fns.length;
    if (this.size === cap) {
      const fns: (WorkFn<never> | undefined)[] = new Array(cap * 2).fill(undefined);
      const args: unknown[] = new Array(cap * 2).fill(undefined);
      for (let i = 0; i < this.size; i++) {
        const j = (this.head + i) % cap;
        fns[i] = this.fns[j];
        args[i] = this.args[j];
      }
      this.fns = fns;
      this.args = args;
      this.head = 0;
      cap *= 2;
    }
    let tail = this.head + this.size;
    if (tail >= cap) tail -= cap;
    this.fns[tail] = fn;
    this.args[tail] = arg;
    this.size++;
  }

  /** Removes the head (after its fn/arg were read). */
  drop(): void {
    const h = this.head;
    this.fns[h] = undefined;
    this.args[h] = undefined;
    this.head = h + 1 === this.fns.length ? 0 : h + 1;
    this.size--;
  }
}

/** A snapshot of a core's accounting over its current statistics window. */
export interface CoreStats {
  /** Core id. */
  id: number;
  /** Core name. */
  name: string;
  /** Window length (ps). */
  elapsed: Time;
  /** Busy time in the window (ps). */
  busy: Time;
  /** Busy time over window length, in [0, 1]. */
  utilisation: number;
  /** Work items completed in the window. */
  itemsRun: number;
  /** Work items submitted in the window. */
  itemsSubmitted: number;
  /** Most items queued at once. */
  maxQueueLength: number;
  /** Time-weighted mean queue length. */
  meanQueueLength: number;
  /** Time per category plus idle (ps); sums to `elapsed`. */
  breakdown: Record<Category | "idle", Time>;
}

/** Scheduler handler: the replay reached an armed step or the item's end. */
const onStep: Handler<Core> = (now, core) => core.resume(false, now);
/** Scheduler handler: a lock this core waited for was handed to it. */
const onGrant: Handler<Core> = (now, core) => core.resume(true, now);

/** One simulated core. See the module documentation for the model. */
export class Core implements LockOwner {
  /** Core name (for statistics and errors). */
  readonly name: string;
  /** The core's clock domain. */
  readonly clock: Clock;
  /** Core id (unique per node). */
  readonly id: number;
  private readonly sched: Scheduler;
  /**
   * Called (with the core and the time) whenever the core runs out of work: an
   * item completed and nothing is queued. Work submitted from the hook runs at
   * once. Not called at construction.
   */
  onIdle: ((core: Core, now: Time) => void) | null = null;

  private readonly ctx: CoreContext;
  private readonly queues: ItemRing[] = [];
  private queued = 0;
  private running = false;
  private draining = false;

  // Replay state of the running item.
  private itemStart: Time = 0;
  /** itemStart + spin so far: cursor time = base + clock.cycles(cumulative cycles). */
  private base: Time = 0;
  private pc = 0;
  private armedPc = -1;
  /** Memo of the last cursor conversion: base + clock.cycles(memoCycles) = memoTime. */
  private memoCycles = -1;
  private memoTime: Time = 0;
  private spinning = false;
  private spinStart: Time = 0;
  private spinDone: Time = 0;
  private spinLock: Lock | null = null;

  // Accounting over the statistics window.
  private windowStart: Time = 0;
  private readonly catCycles = new Float64Array(NCAT);
  private spinTime: Time = 0;
  private busyTime: Time = 0;
  /** Part of the running item (work fraction, spin, start) already accounted to earlier windows. */
  private fracAccounted = 0;
  private spinAccounted: Time = 0;
  private accountedFrom: Time = 0;
  private runCount = 0;
  private submitCount = 0;
  private maxQueued = 0;
  private readonly queueLevel: TimeWeighted;

  /** An idle core on `sched` running at `clock`. */
  constructor(sched: Scheduler, clock: Clock, id: number, name?: string) {
    this.sched = sched;
    this.clock = clock;
    this.id = id;
    this.name = name ?? `core${id}`;
    this.ctx = new CoreContext(this);
    for (let p = 0; p < PRIORITY_CLASSES; p++) this.queues.push(new ItemRing());
    this.windowStart = sched.now;
    this.queueLevel = new TimeWeighted(sched.now, 0);
  }

  /** True while an item is running (including spinning on a lock). */
  get busy(): boolean {
    return this.running;
  }

  /** True when nothing is running and nothing is queued. */
  get idle(): boolean {
    return !this.running && this.queued === 0;
  }

  /** Items waiting to run (not counting the running one). */
  get queueLength(): number {
    return this.queued;
  }

  /** Most items waiting at once in the statistics window. */
  get maxQueueLength(): number {
    return this.maxQueued;
  }

  /** Items completed in the statistics window. */
  get itemsRun(): number {
    return this.runCount;
  }

  /** Items submitted in the statistics window. */
  get itemsSubmitted(): number {
    return this.submitCount;
  }

  /** True while the running item spins on a lock. */
  get spinningOnLock(): boolean {
    return this.spinning;
  }

  /**
   * Submits a work item. On an idle core it is dispatched at once (inside this
   * call); otherwise it waits behind running and queued work of its class.
   */
  submit<A = undefined>(fn: WorkFn<A>, arg?: A, priority: Priority = Priority.Normal): void {
    const q = this.queues[priority];
    if (q === undefined) throw new RangeError(`${this.name}: unknown priority ${priority}`);
    this.submitCount++;
    if (!this.running && !this.draining) {
      this.draining = true;
      this.dispatch(fn as WorkFn<never>, arg);
      this.drain();
      return;
    }
    q.push(fn as WorkFn<never>, arg);
    this.queued++;
    if (this.queued > this.maxQueued) this.maxQueued = this.queued;
    this.queueLevel.set(this.sched.now, this.queued);
  }

  /** Submits only if the core is idle; returns whether it did. */
  submitIfIdle<A = undefined>(
    fn: WorkFn<A>,
    arg?: A,
    priority: Priority = Priority.Normal,
  ): boolean {
    if (!this.idle) return false;
    this.submit(fn, arg, priority);
    return true;
  }

  /** @internal LockOwner: the lock this core spins on was handed to it at `t`. */
  lockGranted(lock: Lock, t: Time): void {
    if (!this.spinning || this.spinLock !== lock) {
      throw new Error(`${this.name} was granted lock "${lock.name}" it is not waiting for`);
    }
    this.sched.post(t, onGrant, this);
  }

  /**
   * @internal continues the replay from a scheduler event at `now` (the
   * handler's argument: passing it on, rather than reading the clock, lets
   * callbacks share one boxed number).
   */
  resume(granted: boolean, now: Time = this.sched.now): void {
    if (granted) {
      const waited = now - this.spinStart;
      this.spinDone += waited;
      this.base += waited;
      this.memoCycles = -1;
      this.spinning = false;
      this.spinLock = null;
      this.pc++;
    }
    this.advance(now);
    if (!this.running) {
      this.draining = true;
      this.drain();
    }
  }

  // ---- accounting -------------------------------------------------------

  /** Busy time in the statistics window up to `now` (the running item counts as busy). */
  busyTimeAt(now: Time = this.sched.now): Time {
    return this.busyTime + (this.running ? now - this.accountedFrom : 0);
  }

  /** Fraction of the statistics window the core was busy. */
  utilisation(now: Time = this.sched.now): number {
    const elapsed = now - this.windowStart;
    return elapsed > 0 ? this.busyTimeAt(now) / elapsed : 0;
  }

  /**
   * Cycles charged to `category` in the window. The running item counts pro
   * rata to how much of its work has elapsed; "lock-spin" includes spin time.
   */
  cyclesIn(category: Category, now: Time = this.sched.now): number {
    const k = categoryIndex(category);
    let c = this.catCycles[k];
    if (this.running) c += this.ctx.cat[k] * (this.workFraction(now) - this.fracAccounted);
    if (k === LOCK_SPIN) c += this.clock.toCycles(this.spinTimeAt(now));
    return c;
  }

  /** Time spent in `category` in the window (see {@link cyclesIn}). */
  timeIn(category: Category, now: Time = this.sched.now): Time {
    const k = categoryIndex(category);
    let c = this.catCycles[k];
    if (this.running) c += this.ctx.cat[k] * (this.workFraction(now) - this.fracAccounted);
    return this.clock.cycles(c) + (k === LOCK_SPIN ? this.spinTimeAt(now) : 0);
  }

  /** Time per category plus "idle" over the window; the values sum to the window length. */
  breakdown(now: Time = this.sched.now): Record<Category | "idle", Time> {
    const out = {} as Record<Category | "idle", Time>;
    let sum = 0;
    for (const c of CATEGORIES) {
      const t = this.timeIn(c, now);
      out[c] = t;
      sum += t;
    }
    const idle = now - this.windowStart - sum;
    out.idle = idle > 0 ? idle : 0;
    return out;
  }

  /** Time-weighted mean run-queue length over the window. */
  meanQueueLength(now: Time = this.sched.now): number {
    return this.queueLevel.mean(now);
  }

  /** A snapshot of the window's accounting. */
  stats(now: Time = this.sched.now): CoreStats {
    return {
      id: this.id,
      name: this.name,
      elapsed: now - this.windowStart,
      busy: this.busyTimeAt(now),
      utilisation: this.utilisation(now),
      itemsRun: this.runCount,
      itemsSubmitted: this.submitCount,
      maxQueueLength: this.maxQueued,
      meanQueueLength: this.meanQueueLength(now),
      breakdown: this.breakdown(now),
    };
  }

  /**
   * Starts a new statistics window at `now` (end of warm-up). A running item's
   * elapsed part stays with the old window.
   */
  resetStats(now: Time = this.sched.now): void {
    if (this.running) {
      this.fracAccounted = this.workFraction(now);
      this.spinAccounted = this.spinSoFar(now);
      this.accountedFrom = now;
    }
    this.windowStart = now;
    this.catCycles.fill(0);
    this.spinTime = 0;
    this.busyTime = 0;
    this.runCount = 0;
    this.submitCount = 0;
    this.maxQueued = this.queued;
    this.queueLevel.reset(now);
  }

  // ---- replay -----------------------------------------------------------

  /** Runs queued items (and the idle hook) until an item is left running or nothing remains. */
  private drain(): void {
    for (;;) {
      if (this.running) break;
      if (this.queued > 0) {
        this.dispatchNext();
        continue;
      }
      if (this.onIdle !== null) {
        this.onIdle(this, this.sched.now);
        if (this.queued > 0) continue;
      }
      break;
    }
    this.draining = false;
  }

  /** Takes the first item of the highest non-empty priority class and dispatches it. */
  private dispatchNext(): void {
    for (let p = 0; p < PRIORITY_CLASSES; p++) {
      const q = this.queues[p];
      if (q.size === 0) continue;
      const fn = q.fns[q.head] as WorkFn<never>;
      const arg = q.args[q.head];
      q.drop();
      this.queued--;
      this.queueLevel.set(this.sched.now, this.queued);
      this.dispatch(fn, arg);
      return;
    }
  }

  /** Runs `fn` (recording its work) and starts replaying the record. */
  private dispatch(fn: WorkFn<never>, arg: unknown): void {
    const now = this.sched.now;
    this.running = true;
    this.itemStart = now;
    this.base = now;
    this.memoCycles = -1;
    this.pc = 0;
    this.armedPc = -1;
    this.spinDone = 0;
    this.fracAccounted = 0;
    this.spinAccounted = 0;
    this.accountedFrom = now;
    const ctx = this.ctx;
    ctx.begin();
    try {
      (fn as WorkFn<unknown>)(ctx, arg);
    } finally {
      ctx.recording = false;
    }
    this.advance(now);
  }

  /** Replays steps due now; arms an event for the next one or completes the item. */
  private advance(now: Time): void {
    const ctx = this.ctx;
    while (this.pc < ctx.n) {
      const i = this.pc;
      const t = this.cursorTime(ctx.cyc[i]);
      const kind = ctx.kinds[i];
      if (kind === STEP_ACQUIRE) {
        if (this.armedPc !== i) {
          // Evaluate from an event at t, after everything already scheduled for t.
          this.armedPc = i;
          this.sched.post(t, onStep, this);
          return;
        }
        const lock = ctx.refs[i] as Lock;
        if (!lock.acquire(this, now)) {
          this.spinning = true;
          this.spinStart = now;
          this.spinLock = lock;
          return;
        }
        this.pc = i + 1;
        continue;
      }
      if (t > now) {
        this.sched.post(t, onStep, this);
        return;
      }
      this.pc = i + 1;
      if (kind === STEP_THEN) {
        (ctx.refs[i] as (t: Time) => void)(now);
      } else if (kind === STEP_CALL) {
        (ctx.refs[i] as (t: Time, arg: unknown) => void)(now, ctx.args[i]);
      } else {
        const lock = ctx.refs[i] as Lock;
        lock.release(this, now);
        if (kind === STEP_FAULT_RELEASE) lock.faultReleases++;
      }
    }
    const end = this.cursorTime(ctx.total);
    if (end > now) {
      this.sched.post(end, onStep, this);
      return;
    }
    this.complete();
  }

  /**
   * The time the replay reaches after `cycles` cumulative cycles. A step is
   * converted when it is first reached and again when its event fires, and the
   * last step usually shares the item's total, so one memo saves most
   * conversions.
   */
  private cursorTime(cycles: number): Time {
    if (cycles !== this.memoCycles) {
      this.memoCycles = cycles;
      this.memoTime = this.base + this.clock.cycles(cycles);
    }
    return this.memoTime;
  }

  /** Ends the running item: folds its category cycles and spin time into the window totals. */
  private complete(): void {
    // Reads the clock itself: a time passed as an argument is a boxed number.
    const now = this.sched.now;
    const ctx = this.ctx, cat = ctx.cat;
    const frac = 1 - this.fracAccounted;
    // Visit only the charged categories, zeroing them for the next item.
    for (let m = ctx.touched; m !== 0; m &= m - 1) {
      const k = 31 - Math.clz32(m & -m);
      const c = cat[k];
      if (c !== 0) this.catCycles[k] += c * frac;
      cat[k] = 0;
    }
    ctx.touched = 0;
    this.spinTime += this.spinDone - this.spinAccounted;
    this.busyTime += now - this.accountedFrom;
    this.runCount++;
    this.running = false;
    ctx.clear();
  }

  /** Spin time of the running item so far. */
  private spinSoFar(now: Time): Time {
    return this.spinDone + (this.spinning ? now - this.spinStart : 0);
  }

  /** Window spin time including the running item's part. */
  private spinTimeAt(now: Time): Time {
    return this.spinTime + (this.running ? this.spinSoFar(now) - this.spinAccounted : 0);
  }

  /** Fraction of the running item's work (non-spin) time elapsed by `now`. */
  private workFraction(now: Time): number {
    const work = this.clock.cycles(this.ctx.total);
    if (work <= 0) return 1;
    const f = (now - this.itemStart - this.spinSoFar(now)) / work;
    return f < 0 ? 0 : f > 1 ? 1 : f;
  }
}

/**
 * Wakes a poll function on a core at most once at a time: {@link wake} submits
 * it unless a pass is already queued. The pass is marked un-queued when it is
 * dispatched, so work that arrives while it runs wakes another pass. Producers
 * call `wake()` whenever they add work the poller should see; a pass that
 * leaves work behind (a batch limit) calls `wake()` itself.
 */
export class Poller<A = undefined> {
  private queued = false;
  /** Passes dispatched. */
  passes = 0;

  /** A poller running `fn(ctx, arg)` on `core` at `priority`. */
  constructor(
    readonly core: Core,
    private readonly fn: WorkFn<A>,
    private readonly arg: A,
    private readonly priority: Priority = Priority.Normal,
  ) {}

  /** True while a pass is queued and not yet dispatched. */
  get pending(): boolean {
    return this.queued;
  }

  /** Queues a pass unless one is pending; returns whether it queued one. */
  wake(): boolean {
    if (this.queued) return false;
    this.queued = true;
    this.core.submit(Poller.run, this as Poller<unknown>, this.priority);
    return true;
  }

  /** One pass: marks the poller un-queued and calls its function. */
  private static run(ctx: CoreContext, p: Poller<unknown>): void {
    p.queued = false;
    p.passes++;
    p.fn(ctx, p.arg);
  }
}

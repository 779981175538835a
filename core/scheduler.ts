/**
 * Discrete-event scheduler.
 *
 * A binary min-heap of event slots ordered by (time, sequence number): events at
 * equal times run in the order they were scheduled, so runs are deterministic.
 * The heap keeps each entry's time and sequence number next to its slot, in
 * heap order, so comparisons while sifting read the keys directly instead of
 * going through the slot. The earliest event may instead sit in the "front"
 * fields outside the heap, because most new events are the next to run (see
 * `becomesFront`); a front event scheduled by `post` (no handle) takes no
 * slot at all unless a later event pushes it into the heap. Slots live in
 * typed arrays and are recycled, so scheduling does not allocate beyond the
 * handler closure the caller passes (callers on hot paths pass a long-lived
 * handler plus an argument instead of a fresh closure). Cancellation removes
 * the event from the heap eagerly (O(log n)), because TCP arms and cancels
 * timers constantly and tombstones would bloat the heap.
 */
import type { Time } from "./time.ts";

/** An event handler; `arg` is whatever was passed to {@link Scheduler.at}. */
export type Handler<A = unknown> = (now: Time, arg: A) => void;

/** Opaque event handle; 0 is never a valid handle. */
export type EventId = number;

/** Handles encode (generation, slot); this many slots can be pending at once. */
const SLOT_SPACE = 1 << 24;
/** Generations wrap below this so that handles stay exact integers. */
const GEN_LIMIT = 1 << 28;
const INITIAL_CAPACITY = 1024;
/** Heap position of a free slot and of the front event's slot. */
const FREE = -1;
const FRONT = -2;
/** {@link Scheduler} front slot value: no front event, or a front event without a slot. */
const NO_FRONT = -1;
const UNSLOTTED = -2;

/*
 * BOXED_TIME. A handler receives the event time as an argument, and a
 * number beyond the small-integer range passed to a call that is not inlined
 * is a heap number. Reading the time from a Float64Array or a double field
 * boxes it afresh on every dispatch; so each pending event also keeps its time
 * as a tagged reference (a generic array and a field that start out holding
 * null, so V8 stores references rather than raw doubles), and dispatch passes
 * on the heap number the caller already made (usually when passing the time
 * to `post`/`at`). The typed-array copy of each time still serves the heap
 * comparisons.
 */

/**
 * The event queue and simulated clock of one simulation: handlers run in
 * (time, scheduling order), and {@link Scheduler.now} is the time of the
 * event being run.
 *
 * @example Events run in time order, ties in scheduling order
 * ```ts
 * import assert from "node:assert/strict";
 * import { Scheduler } from "./scheduler.ts";
 * import { US } from "./time.ts";
 *
 * const sched = new Scheduler();
 * const seen: string[] = [];
 * sched.at(2 * US, () => seen.push("b"));
 * sched.at(1 * US, () => seen.push("a"));
 * sched.after(1 * US, (now) => seen.push(`c at ${now} ps`));
 * sched.runUntilIdle();
 * assert.deepEqual(seen, ["a", "c at 1000000 ps", "b"]);
 * assert.equal(sched.now, 2 * US);
 * ```
 */
export class Scheduler {
  /** Current simulated time. */
  now: Time = 0;
  /** Events dispatched so far (for statistics and benchmarks). */
  dispatched = 0;

  private cap = INITIAL_CAPACITY;
  private heap = new Int32Array(INITIAL_CAPACITY); // heap position -> slot
  private heapTime = new Float64Array(INITIAL_CAPACITY); // heap position -> event time
  private heapSeq = new Float64Array(INITIAL_CAPACITY); // heap position -> sequence number
  private pos = new Int32Array(INITIAL_CAPACITY); // slot -> heap position, -1 when free
  private gen = new Int32Array(INITIAL_CAPACITY);
  private fns: (Handler<never> | null)[] = new Array(INITIAL_CAPACITY).fill(null);
  private args: unknown[] = new Array(INITIAL_CAPACITY).fill(undefined);
  /** slot -> event time as a tagged reference (see BOXED_TIME). */
  private refs: (Time | null)[] = new Array(INITIAL_CAPACITY).fill(null);
  private freeSlots = new Int32Array(INITIAL_CAPACITY);
  private freeCount = 0;
  private nextSlot = 0;
  private size = 0;
  /**
   * The "front" event (see {@link becomesFront}): its slot, UNSLOTTED for a posted
   * event (which needs no handle), or NO_FRONT; its handler and argument live
   * here rather than in the slot arrays.
   */
  private front = NO_FRONT;
  private frontTime: Time = 0;
  private frontSeq = 0;
  /**
   * frontTime again, as a tagged reference (see BOXED_TIME); null when there
   * is no front event.
   */
  private frontRef: Time | null = null;
  private frontFn: Handler<never> | null = null;
  private frontArg: unknown = undefined;
  private nextSeq = 0;
  private stopped = false;

  /** Number of pending events. */
  get pending(): number {
    return this.front !== NO_FRONT ? this.size + 1 : this.size;
  }

  /** Time of the earliest pending event, or Infinity when idle. */
  get nextTime(): Time {
    return this.front !== NO_FRONT ? this.frontTime : this.size > 0 ? this.heapTime[0] : Infinity;
  }

  /** Schedules `fn(now, arg)` at absolute time `t` (must not be in the past). */
  at<A>(t: Time, fn: Handler<A>, arg?: A): EventId {
    this.checkTime(t);
    const slot = this.allocSlot();
    if (this.becomesFront(t)) this.setFront(slot, t, fn as Handler<never>, arg);
    else this.heapInsert(slot, t, fn as Handler<never>, arg);
    return this.gen[slot] * SLOT_SPACE + slot + 1;
  }

  /**
   * Like {@link at} but returns no handle, for events that are never
   * cancelled. Handles soon exceed the small-integer range, so returning one
   * costs a heap-number allocation on every call; hot fire-and-forget callers
   * avoid it here. Without a handle, a front event needs no slot either.
   * Dispatch order is the same as with {@link at}.
   */
  post<A>(t: Time, fn: Handler<A>, arg?: A): void {
    this.checkTime(t);
    if (this.becomesFront(t)) this.setFront(UNSLOTTED, t, fn as Handler<never>, arg);
    else this.heapInsert(this.allocSlot(), t, fn as Handler<never>, arg);
  }

  /** Throws unless `t` is now or later. */
  private checkTime(t: Time): void {
    if (!(t >= this.now)) {
      throw new RangeError(`cannot schedule at ${t} ps: now is ${this.now} ps`);
    }
  }

  /**
   * True when a new event at `t` goes to the front.
   *
   * Most new events are earlier than everything pending (a handler schedules
   * the next step of what it just did), and the earliest event is the next to
   * run. So the earliest event may be kept out of the heap, in the front
   * fields, which costs no sifting in or out. The front event always precedes
   * every heap entry in (time, sequence) order; a new event displaces it only
   * when strictly earlier (an equal time sorts after it), and the displaced
   * event, earliest of the heap's entries, moves to the root.
   */
  private becomesFront(t: Time): boolean {
    return this.front !== NO_FRONT ? t < this.frontTime : this.size === 0 || t < this.heapTime[0];
  }

  /** Makes (slot or UNSLOTTED, t, fn, arg) the front event, moving the old one to the heap. */
  private setFront(slot: number, t: Time, fn: Handler<never>, arg: unknown): void {
    const old = this.front;
    if (old !== NO_FRONT) {
      const s = old === UNSLOTTED ? this.allocSlot() : old;
      this.fns[s] = this.frontFn;
      this.args[s] = this.frontArg;
      this.refs[s] = this.frontRef;
      this.siftUp(this.size++, s, this.frontTime, this.frontSeq);
    }
    if (slot >= 0) this.pos[slot] = FRONT;
    this.front = slot;
    this.frontTime = t;
    this.frontRef = t;
    this.frontSeq = this.nextSeq++;
    this.frontFn = fn;
    this.frontArg = arg;
  }

  /** Adds a new event that is not the earliest to the heap. */
  private heapInsert(slot: number, t: Time, fn: Handler<never>, arg: unknown): void {
    this.fns[slot] = fn;
    this.args[slot] = arg;
    this.refs[slot] = t;
    // The new event has the largest sequence number so far, so it sorts after
    // every pending event with the same time.
    this.siftUp(this.size++, slot, t, this.nextSeq++);
  }

  /** Schedules `fn(now, arg)` after a delay from now. */
  after<A>(delay: Time, fn: Handler<A>, arg?: A): EventId {
    return this.at(this.now + delay, fn, arg);
  }

  /** Cancels a pending event. Returns false if it already ran or was cancelled. */
  cancel(id: EventId): boolean {
    if (!(id > 0)) return false;
    const slot = (id - 1) % SLOT_SPACE;
    const g = Math.floor((id - 1) / SLOT_SPACE);
    if (slot >= this.nextSlot || this.gen[slot] !== g || this.pos[slot] === FREE) return false;
    if (slot === this.front) this.clearFront();
    else this.removeAt(this.pos[slot]);
    this.releaseSlot(slot);
    return true;
  }

  /** True when the handle refers to a pending event. */
  isPending(id: EventId): boolean {
    if (!(id > 0)) return false;
    const slot = (id - 1) % SLOT_SPACE;
    const g = Math.floor((id - 1) / SLOT_SPACE);
    return slot < this.nextSlot && this.gen[slot] === g && this.pos[slot] !== FREE;
  }

  /** Runs the earliest event. Returns false when idle. */
  step(): boolean {
    const front = this.front;
    if (front !== NO_FRONT) {
      const t = this.frontRef as Time, fn = this.frontFn as Handler<unknown>, arg = this.frontArg;
      this.clearFront();
      if (front !== UNSLOTTED) this.releaseSlot(front);
      this.now = t;
      this.dispatched++;
      fn(t, arg);
      return true;
    }
    if (this.size === 0) return false;
    const slot = this.heap[0];
    this.removeAt(0);
    const t = this.refs[slot] as Time, fn = this.fns[slot] as Handler<unknown>;
    const arg = this.args[slot];
    this.now = t;
    this.releaseSlot(slot);
    this.dispatched++;
    fn(t, arg);
    return true;
  }

  /** Empties the front event fields. */
  private clearFront(): void {
    this.front = NO_FRONT;
    this.frontRef = null;
    this.frontFn = null;
    this.frontArg = undefined;
  }

  /**
   * Runs every event with time <= `t`, then advances the clock to `t`.
   * Returns the number of events run. {@link stop} ends the run early.
   */
  runUntil(t: Time): number {
    this.stopped = false;
    let n = 0;
    while (this.hasEventBy(t) && !this.stopped) {
      this.step();
      n++;
    }
    if (!this.stopped && t > this.now && Number.isFinite(t)) this.now = t;
    return n;
  }

  /** Runs until no events remain (or `maxEvents` ran, or {@link stop}). */
  runUntilIdle(maxEvents = Infinity): number {
    this.stopped = false;
    let n = 0;
    while ((this.front !== NO_FRONT || this.size > 0) && n < maxEvents && !this.stopped) {
      this.step();
      n++;
    }
    return n;
  }

  /**
   * True when an event is pending at or before `t`. (Unlike comparing with
   * {@link nextTime}, this returns no number, which would be boxed per event.)
   */
  private hasEventBy(t: Time): boolean {
    return this.front !== NO_FRONT ? this.frontTime <= t : this.size > 0 && this.heapTime[0] <= t;
  }

  /** Makes the current run loop return after the event being dispatched. */
  stop(): void {
    this.stopped = true;
  }

  /** Takes a free event slot, growing the arrays when none is left. */
  private allocSlot(): number {
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.freeSlots[--this.freeCount];
    } else {
      if (this.nextSlot === this.cap) this.grow();
      slot = this.nextSlot++;
    }
    return slot;
  }

  /** Returns `slot` to the free list. */
  private releaseSlot(slot: number): void {
    this.pos[slot] = FREE;
    this.fns[slot] = null;
    this.args[slot] = undefined;
    this.gen[slot] = (this.gen[slot] + 1) % GEN_LIMIT;
    this.freeSlots[this.freeCount++] = slot;
  }

  /** Doubles the capacity of every per-slot and heap array. */
  private grow(): void {
    const cap = this.cap * 2;
    if (cap > SLOT_SPACE) throw new RangeError("too many pending events");
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    const grow64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.heap = grow32(this.heap);
    this.pos = grow32(this.pos);
    this.gen = grow32(this.gen);
    this.freeSlots = grow32(this.freeSlots);
    this.heapTime = grow64(this.heapTime);
    this.heapSeq = grow64(this.heapSeq);
    for (let i = this.cap; i < cap; i++) {
      this.fns.push(null);
      this.args.push(undefined);
      this.refs.push(null);
    }
    this.cap = cap;
  }

  /** Removes the entry at heap position `i`, refilling the hole with the last entry. */
  private removeAt(i: number): void {
    const last = --this.size;
    if (i === last) return;
    const slot = this.heap[last], t = this.heapTime[last], q = this.heapSeq[last];
    if (i > 0) {
      const p = (i - 1) >> 1;
      const pt = this.heapTime[p];
      if (t < pt || (t === pt && q < this.heapSeq[p])) {
        this.siftUp(i, slot, t, q);
        return;
      }
    }
    this.siftDown(i, slot, t, q);
  }

  /** Places entry (slot, t, q) at the hole `i` or above it, moving parents down. */
  private siftUp(i: number, slot: number, t: Time, q: number): void {
    const heap = this.heap, ht = this.heapTime, hq = this.heapSeq, pos = this.pos;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = ht[p];
      if (t > pt || (t === pt && q > hq[p])) break;
      const ps = heap[p];
      heap[i] = ps;
      ht[i] = pt;
      hq[i] = hq[p];
      pos[ps] = i;
      i = p;
    }
    heap[i] = slot;
    ht[i] = t;
    hq[i] = q;
    pos[slot] = i;
  }

  /** Places entry (slot, t, q) at the hole `i` or below it, moving smaller children up. */
  private siftDown(i: number, slot: number, t: Time, q: number): void {
    const heap = this.heap, ht = this.heapTime, hq = this.heapSeq, pos = this.pos, n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let ct = ht[l], cq = hq[l];
      if (r < n) {
        const rt = ht[r];
        if (rt < ct || (rt === ct && hq[r] < cq)) {
          c = r;
          ct = rt;
          cq = hq[r];
        }
      }
      if (t < ct || (t === ct && q < cq)) break;
      const cs = heap[c];
      heap[i] = cs;
      ht[i] = ct;
      hq[i] = cq;
      pos[cs] = i;
      i = c;
    }
    heap[i] = slot;
    ht[i] = t;
    hq[i] = q;
    pos[slot] = i;
  }
}

/**
 * A spinlock between simulated cores.
 *
 * The lock itself only keeps state and statistics: who holds it, a FIFO of
 * waiting owners, and counts. The core executor decides *when* to acquire and
 * release (in simulated time order) and is told through
 * {@link LockOwner.lockGranted} when a release hands it the lock. Waiters are
 * served strictly first come, first served (a ticket lock), which is also what
 * makes runs deterministic.
 */
import type { Time } from "./time.ts";
import type { LockLike } from "./work.ts";

/** Something that holds and waits for locks (a core executor). */
export interface LockOwner {
  /** Owner id (a core's id). */
  readonly id: number;
  /** Owner name (for errors and statistics). */
  readonly name: string;
  /** Called when a release hands `lock` to this waiting owner at time `t`. */
  lockGranted(lock: Lock, t: Time): void;
}

/** Compact the waiter arrays once this many consumed entries sit at their front. */
const WAITER_COMPACT_AT = 64;

/** A FIFO spin lock with statistics: waiters are granted the lock in arrival order. */
export class Lock implements LockLike {
  /** Lock name (its class, in statistics). */
  readonly name: string;
  /** Current holder, or null when free. */
  holder: LockOwner | null = null;
  /** Times the lock was granted (contended or not). */
  acquisitions = 0;
  /** Acquisitions that had to wait. */
  contended = 0;
  /** Total time owners spent waiting (ps). */
  totalWait: Time = 0;
  /** Longest single wait (ps). */
  maxWait: Time = 0;
  /** Most owners waiting at once. */
  maxWaiters = 0;
  /** Total time the lock was held, over completed holds (ps). */
  totalHold: Time = 0;
  /** Longest completed hold (ps). */
  maxHold: Time = 0;
  /** Completed holds (releases). */
  releases = 0;
  /**
   * Releases made on behalf of a work item that faulted while holding the
   * lock (the host releases what a contained item still held; counted in
   * {@link releases} too).
   */
  faultReleases = 0;

  private grantedAt: Time = 0;
  private readonly waitOwners: LockOwner[] = [];
  private readonly waitSince: Time[] = [];
  private waitHead = 0;

  // No parameter property: it would leave the time fields boxed (see
  // NUMERIC_FIELDS in executor.ts).
  /** A free lock named `name`. */
  constructor(name: string) {
    this.name = name;
  }

  /** True while some owner holds the lock. */
  get isHeld(): boolean {
    return this.holder !== null;
  }

  /** Owners currently waiting. */
  get waiting(): number {
    return this.waitOwners.length - this.waitHead;
  }

  /** Mean wait per contended acquisition (0 if none). */
  get meanWait(): number {
    return this.contended > 0 ? this.totalWait / this.contended : 0;
  }

  /** Mean hold time per completed hold (0 if none). */
  get meanHold(): number {
    return this.releases > 0 ? this.totalHold / this.releases : 0;
  }

  /** True when `owner` is queued waiting for this lock. */
  isWaiting(owner: LockOwner): boolean {
    for (let i = this.waitHead; i < this.waitOwners.length; i++) {
      if (this.waitOwners[i] === owner) return true;
    }
    return false;
  }

  /**
   * `owner` asks for the lock at time `t`. Returns true if granted now; false if
   * it was queued (it will be told by {@link LockOwner.lockGranted}).
   * Re-acquiring a held lock, or asking while already waiting, is a programming
   * error and throws.
   */
  acquire(owner: LockOwner, t: Time): boolean {
    if (this.holder === owner) {
      throw new Error(`${owner.name} re-acquires lock "${this.name}" it already holds`);
    }
    if (this.holder === null) {
      this.grant(owner, t);
      return true;
    }
    if (this.isWaiting(owner)) {
      throw new Error(`${owner.name} is already waiting for lock "${this.name}"`);
    }
    this.waitOwners.push(owner);
    this.waitSince.push(t);
    this.contended++;
    const w = this.waiting;
    if (w > this.maxWaiters) this.maxWaiters = w;
    return false;
  }

  /**
   * `owner` releases the lock at time `t`; the first waiter (if any) is granted
   * it at the same time and notified. Releasing a lock one does not hold throws.
   */
  release(owner: LockOwner, t: Time): void {
    if (this.holder !== owner) {
      const who = this.holder === null ? "nobody" : this.holder.name;
      throw new Error(`${owner.name} releases lock "${this.name}" held by ${who}`);
    }
    const held = t - this.grantedAt;
    this.totalHold += held;
    if (held > this.maxHold) this.maxHold = held;
    this.releases++;
    this.holder = null;
    if (this.waiting === 0) return;
    const next = this.waitOwners[this.waitHead];
    const since = this.waitSince[this.waitHead];
    this.waitHead++;
    this.compactWaiters();
    const waited = t - since;
    this.totalWait += waited;
    if (waited > this.maxWait) this.maxWait = waited;
    this.grant(next, t);
    next.lockGranted(this, t);
  }

  /** Zeroes the statistics (state is kept). */
  resetStats(): void {
    this.acquisitions = 0;
    this.contended = 0;
    this.totalWait = 0;
    this.maxWait = 0;
    this.maxWaiters = this.waiting;
    this.totalHold = 0;
    this.maxHold = 0;
    this.releases = 0;
    this.faultReleases = 0;
  }

  /** Hands the lock to `owner` at `t`. */
  private grant(owner: LockOwner, t: Time): void {
    this.holder = owner;
    this.grantedAt = t;
    this.acquisitions++;
  }

  /** Drops the already-granted entries from the front of the wait queue. */
  private compactWaiters(): void {
    const n = this.waitOwners.length;
    if (this.waitHead === n) {
      this.waitOwners.length = 0;
      this.waitSince.length = 0;
      this.waitHead = 0;
    } else if (this.waitHead >= WAITER_COMPACT_AT && this.waitHead * 2 >= n) {
      this.waitOwners.splice(0, this.waitHead);
      this.waitSince.splice(0, this.waitHead);
      this.waitHead = 0;
    }
  }
}

/** Set in {@link LockHandle}'s static block: the lock behind a handle, or null (see {@link lockOf}). */
let lockOfHandle: (x: object) => Lock | null;

/**
 * What software that must not see the machine gets for a lock: its name and
 * nothing else. The {@link Lock} behind it (whose holder is a core, whose
 * waiters are cores) is in a #private field that only the executor reads,
 * through {@link lockOf}; handles are made by {@link LockTable.handle}.
 */
export class LockHandle implements LockLike {
  readonly name: string;
  readonly #lock: Lock;

  static {
    lockOfHandle = (x) => (#lock in x ? x.#lock : null);
  }

  /** @internal use {@link LockTable.handle}. */
  constructor(lock: Lock) {
    if (!(lock instanceof Lock)) throw new TypeError("LockHandle: handles are made by a LockTable");
    this.#lock = lock;
    this.name = lock.name;
    Object.freeze(this);
  }
}
Object.freeze(LockHandle.prototype);
Object.freeze(LockHandle);

/** The {@link Lock} behind `l` (a Lock or a {@link LockHandle}), or null for anything else. */
export function lockOf(l: LockLike): Lock | null {
  if (l instanceof Lock) return l;
  return typeof l === "object" && l !== null ? lockOfHandle(l) : null;
}

/**
 * Locks by name, created on first use: one table per simulated machine, so the
 * same name always yields the same lock (and contention between its users).
 * {@link factory} has the shape of an application's lock factory.
 */
export class LockTable {
  private readonly locks = new Map<string, Lock>();
  private readonly handles = new Map<string, LockHandle>();

  /** The lock registered under `name` (created if new). */
  get(name: string): Lock {
    let l = this.locks.get(name);
    if (l === undefined) {
      l = new Lock(name);
      this.locks.set(name, l);
    }
    return l;
  }

  /** `get` as a free function, for code that takes a `(name) => LockLike` factory. */
  readonly factory = (name: string): Lock => this.get(name);

  /** The handle of the lock registered under `name` (one per name). */
  handle(name: string): LockHandle {
    const key = String(name);
    let h = this.handles.get(key);
    if (h === undefined) {
      h = new LockHandle(this.get(key));
      this.handles.set(key, h);
    }
    return h;
  }

  /**
   * `handle` as a free function: the lock factory for software across an
   * isolation boundary (an application), which gets names, not locks.
   */
  readonly handleFactory = (name: string): LockHandle => this.handle(name);

  /** All locks, sorted by name. */
  list(): Lock[] {
    return [...this.locks.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) =>
      this.locks.get(k) as Lock
    );
  }

  /** Number of locks registered. */
  get size(): number {
    return this.locks.size;
  }

  /** Resets every lock's statistics. */
  resetStats(): void {
    for (const l of this.locks.values()) l.resetStats();
  }
}

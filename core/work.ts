/**
 * The contract between code that does work on a simulated core (protocol
 * stacks, applications) and the core executor that turns it into time.
 *
 * A work item runs its logic at dispatch and *records* what it costs: cycles per
 * category, lock acquire/release, and callbacks that must happen at the point in
 * simulated time reached so far (sending a message, transmitting a frame). The
 * executor replays the record in simulated time, so lock contention between
 * cores is resolved in true time order and busy time is accounted by category.
 */
import type { Time } from "./time.ts";

/** Busy-time categories for profiling and the fairness analysis. */
export const CATEGORIES = [
  "nic", // polling/handling the NIC (descriptors, buffer stacks)
  "tcp-rx", // receive-side protocol processing (eth/ip/tcp input)
  "tcp-tx", // transmit-side protocol processing (segment build, output)
  "timers", // protocol timer handling
  "app", // application logic
  "messaging", // NoC / ring / socket-layer event and command handling
  "lock-spin", // spinning on a held lock
  "syscall", // kernel entry/exit (Linux baseline)
  "copy", // copying bytes between user and kernel or buffers
  "irq", // interrupt and softirq entry (Linux baseline)
  "sched", // wakeups, context switches (Linux baseline)
] as const;

/** A busy-time category, one of {@link CATEGORIES}. */
export type Category = typeof CATEGORIES[number];

/**
 * Index of a category in {@link CATEGORIES}, or -1 for any other string.
 *
 * Written as a switch because work items charge constantly with category
 * strings that vary per call site: comparing interned strings is several times
 * cheaper than a keyed property or Map lookup. A unit test checks it agrees
 * with {@link CATEGORIES}.
 */
export function categoryIndex(category: string): number {
  // Cases in order of how often the simulator charges them.
  switch (category) {
    case "messaging":
      return 5;
    case "nic":
      return 0;
    case "tcp-rx":
      return 1;
    case "tcp-tx":
      return 2;
    case "app":
      return 4;
    case "copy":
      return 8;
    case "timers":
      return 3;
    case "lock-spin":
      return 6;
    case "syscall":
      return 7;
    case "irq":
      return 9;
    case "sched":
      return 10;
    default:
      return -1;
  }
}

/** Something that can be acquired and released inside a work item. */
export interface LockLike {
  /** Lock name (the lock class, in statistics). */
  readonly name: string;
}

/**
 * How software obtains its locks: the lock registered under a name. Code
 * never creates lock objects itself; whoever runs it (a hosting mode) passes a
 * factory, which in a simulation returns a core/lock.ts spinlock the executor
 * can contend on. The same name must always give the same lock.
 */
export type LockFactory = (name: string) => LockLike;

/**
 * A factory of plain named lock tokens, one per name (memoised), for unit tests
 * and hosts that do not model contention.
 */
export function plainLocks(): LockFactory {
  const locks = new Map<string, LockLike>();
  return (name: string) => {
    let l = locks.get(name);
    if (l === undefined) {
      l = { name };
      locks.set(name, l);
    }
    return l;
  };
}

/**
 * What code running on a core records its work with: cycles charged, locks taken and released, and
 * callbacks at points of the item.
 */
export interface WorkContext {
  /** Charges `cycles` of work in `category` at the current point of the item. */
  charge(category: Category, cycles: number): void;
  /** Acquires `lock` (spinning, charged to "lock-spin", until it is granted). */
  acquire(lock: LockLike): void;
  /** Releases a lock this item holds. */
  release(lock: LockLike): void;
  /** Runs `fn(t)` at the simulated time this item has reached at this point. */
  then(fn: (t: Time) => void): void;
}

/** A context that charges nothing and runs callbacks at a fixed time (unit tests). */
export class ImmediateContext implements WorkContext {
  cycles = 0;
  constructor(public time: Time = 0) {}
  charge(_category: Category, cycles: number): void {
    this.cycles += cycles;
  }
  acquire(_lock: LockLike): void {}
  release(_lock: LockLike): void {}
  then(fn: (t: Time) => void): void {
    fn(this.time);
  }
}

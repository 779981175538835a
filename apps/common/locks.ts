/**
 * How applications obtain their locks.
 *
 * An application never creates lock objects itself: the hosting mode passes a
 * {@link LockFactory} that returns the lock registered under a name (in a
 * simulation, a core/lock.ts spinlock the executor can contend on). The same
 * name must always give the same lock.
 */
import type { LockLike } from "../../core/work.ts";

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

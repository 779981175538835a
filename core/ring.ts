/**
 * Growth of power-of-two rings addressed by ever-increasing positions.
 *
 * A ring stores position `p` in slot `p & mask` (capacity a power of two,
 * `mask = capacity - 1`). Its owner keeps the live positions `[head, tail)` (a
 * queue's front and back, or the oldest and next ids) and, before writing at
 * `tail`, checks `tail - head > mask` (full) and calls {@link doubleRing}; so
 * the steady state allocates nothing, and reads and writes are a plain
 * indexed access on the owner's own array (no wrapper object on the hot
 * path). Parallel columns of one ring are doubled together. Positions are
 * exact up to 2^53; slots repeat every 2^32.
 *
 * @example
 * ```ts
 * let slots = new Float64Array(2), mask = 1, head = 0, tail = 0;
 * for (const v of [7, 8, 9]) {
 *   if (tail - head > mask) {
 *     slots = doubleRing(slots, head, tail, (n) => new Float64Array(n)); // 2 -> 4
 *     mask = slots.length - 1;
 *   }
 *   slots[tail++ & mask] = v;
 * }
 * slots[head++ & mask]; // 7
 * ```
 */

/** A ring's storage: an array or a typed array of power-of-two length. */
export interface RingSlots<T> {
  readonly length: number;
  [i: number]: T;
}

/** Default starting capacity of a ring. */
export const RING_INITIAL_CAPACITY = 16;

/**
 * A ring twice the size of `slots` (from `make`, which returns empty slots)
 * holding the live positions `[head, tail)` in their new slots.
 */
export function doubleRing<S extends RingSlots<unknown>>(
  slots: S,
  head: number,
  tail: number,
  make: (capacity: number) => S,
): S {
  const mask = slots.length - 1;
  const to = make(slots.length * 2);
  const m = to.length - 1;
  for (let p = head; p < tail; p++) to[p & m] = slots[p & mask];
  return to;
}

/** Empty array slots for {@link doubleRing}: `undefined` everywhere. */
export function undefinedSlots<T>(capacity: number): (T | undefined)[] {
  return new Array<T | undefined>(capacity).fill(undefined);
}

/** Empty array slots for {@link doubleRing}: `null` everywhere. */
export function nullSlots<T>(capacity: number): (T | null)[] {
  return new Array<T | null>(capacity).fill(null);
}

/** Zeroed number slots for {@link doubleRing}. */
export function numberSlots(capacity: number): Float64Array {
  return new Float64Array(capacity);
}

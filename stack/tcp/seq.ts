/**
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4; RFC 1982
 * serial-number comparison). Sequence numbers are uint32 values in JS numbers;
 * comparisons use the sign of the 32-bit difference, so they are correct
 * across the 2^32 wrap as long as the two numbers are less than 2^31 apart.
 */

/** a + n mod 2^32 (n may be negative). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The signed distance b -> a, i.e. a - b as a 32-bit signed integer. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a < b in sequence space. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** a <= b in sequence space. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** a > b in sequence space. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** a >= b in sequence space. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return ((a - b) | 0) >= 0 ? a : b;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return ((a - b) | 0) <= 0 ? a : b;
}

/** lo <= x < hi in sequence space (the window [lo, hi)). */
export function seqInWindow(x: number, lo: number, hi: number): boolean {
  return ((x - lo) | 0) >= 0 && ((x - hi) | 0) < 0;
}

/**
 * Simulated time.
 *
 * Time is an integer number of picoseconds held in a JS number (exact up to
 * 2^53 ps, about 2.5 simulated hours). Nanosecond latencies, 1.0 GHz cycles and
 * 10 GbE byte times (800 ps) are exact; a 1.2 GHz cycle is 833.33 ps, so
 * {@link Clock} converts *cumulative* cycle counts (6 cycles = 5000 ps exactly)
 * and rounds only the final result, never accumulating rounding error.
 */

/** Simulated time or duration in picoseconds (always an integer). */
export type Time = number;

/** One picosecond, the unit of {@link Time}. */
export const PS: Time = 1;
/** One nanosecond. */
export const NS: Time = 1_000;
/** One microsecond. */
export const US: Time = 1_000_000;
/** One millisecond. */
export const MS: Time = 1_000_000_000;
/** One second. */
export const SEC: Time = 1_000_000_000_000;

/** Picoseconds per second, used for frequency conversions. */
const PS_PER_SEC = 1e12;

/** `n` nanoseconds as a {@link Time}. */
export function ns(n: number): Time {
  return Math.round(n * NS);
}
/** `n` microseconds as a {@link Time}. */
export function us(n: number): Time {
  return Math.round(n * US);
}
/** `n` milliseconds as a {@link Time}. */
export function ms(n: number): Time {
  return Math.round(n * MS);
}
/** `t` in nanoseconds. */
export function toNs(t: Time): number {
  return t / NS;
}
/** `t` in microseconds. */
export function toUs(t: Time): number {
  return t / US;
}
/** `t` in milliseconds. */
export function toMs(t: Time): number {
  return t / MS;
}
/** `t` in seconds. */
export function toSec(t: Time): number {
  return t / SEC;
}

/** Cycle counts below this are converted by table lookup in {@link Clock.cycles}. */
const CYCLE_TABLE_SIZE = 4096;
const INT32_MAX = 0x7fffffff;

/** Greatest common divisor of two non-negative integers. */
function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/**
 * A clock domain (a core frequency). Converts between cycles and time using
 * the exact rational period `num/den` picoseconds per cycle.
 */
export class Clock {
  /** Period numerator (ps) over {@link periodDen} cycles. */
  readonly periodNum: number;
  /** Period denominator (cycles), see {@link periodNum}. */
  readonly periodDen: number;

  /**
   * cycles(n) for small whole n, precomputed with the same formula: the
   * simulator converts small cycle counts constantly, and a table load is
   * much cheaper than the division. Int32 entries come back as small
   * integers, with no float-to-integer check; so the table stops before the
   * first entry that would not fit (only for clocks under ~2 MHz).
   */
  private readonly table: Int32Array;

  /** A clock of `hz` cycles per second (a positive integer). */
  constructor(readonly hz: number) {
    if (!(hz > 0) || !Number.isInteger(hz)) {
      throw new RangeError(`clock frequency must be a positive integer in Hz, got ${hz}`);
    }
    const g = gcd(PS_PER_SEC, hz);
    this.periodNum = PS_PER_SEC / g;
    this.periodDen = hz / g;
    let size = 0;
    while (size < CYCLE_TABLE_SIZE && this.exactCycles(size) <= INT32_MAX) size++;
    this.table = new Int32Array(size);
    for (let n = 0; n < size; n++) this.table[n] = this.exactCycles(n);
  }

  /** Duration of `n` cycles, rounded to the nearest picosecond. */
  cycles(n: number): Time {
    // `n >>> 0 === n` admits the whole numbers 0..2^32-1 and -0 (which maps to +0 here
    // instead of -0: indistinguishable in every sum); not fractions, negatives or NaN.
    const table = this.table;
    if (n < table.length && n >>> 0 === n) return table[n];
    return this.exactCycles(n);
  }

  /** cycles(n) by the exact rational formula, rounded to the nearest ps. */
  private exactCycles(n: number): Time {
    return Math.round((n * this.periodNum) / this.periodDen);
  }

  /** Number of whole-or-fractional cycles in a duration. */
  toCycles(t: Time): number {
    return (t * this.periodDen) / this.periodNum;
  }

  /** Period of one cycle in (possibly fractional) picoseconds. */
  get periodPs(): number {
    return this.periodNum / this.periodDen;
  }
}

/** Formats a time for humans: picks ns/us/ms/s. */
export function formatTime(t: Time): string {
  const a = Math.abs(t);
  if (a < US) return `${(t / NS).toFixed(1)} ns`;
  if (a < MS) return `${(t / US).toFixed(3)} us`;
  if (a < SEC) return `${(t / MS).toFixed(3)} ms`;
  return `${(t / SEC).toFixed(3)} s`;
}

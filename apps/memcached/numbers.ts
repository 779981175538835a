/**
 * memcached's number parsing (util.c safe_strtol / safe_strtoul /
 * safe_strtoull on a 64-bit build), reproduced byte for byte over a token
 * `buf[s, e)`; the token ends at `e` or at a NUL byte, like a C string.
 *
 * The C functions accept leading white space and a sign (strto*), require at
 * least one digit, and accept the number if it is followed by the end of the
 * string or a white-space character. `strtoul`/`strtoull` negate a value
 * written with '-', and memcached then rejects it only if the result looks
 * negative as a signed 64-bit number.
 */

const TWO_64 = 1n << 64n;
const TWO_63 = 1n << 63n;
/** Up to this many digits fit a double exactly (< 2^53), so the fast path applies. */
const FAST_DIGITS = 15;

function isCSpace(c: number): boolean {
  // C isspace in the "C" locale: space, \t, \n, \v, \f, \r.
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

interface Scan {
  neg: boolean;
  /** Magnitude as a number when <= FAST_DIGITS digits, else -1 (use `big`). */
  small: number;
  big: bigint;
  /** Whether a '-' occurs between the start and the end of the number. */
  minus: boolean;
}

/**
 * Scans like strto*: returns null when there is no digit or the number is
 * followed by something other than end / NUL / white space.
 */
function scan(buf: Uint8Array, s: number, e: number, out: Scan): boolean {
  let i = s;
  while (i < e && buf[i] !== 0 && isCSpace(buf[i])) i++;
  let neg = false;
  if (i < e && (buf[i] === 0x2b || buf[i] === 0x2d)) {
    neg = buf[i] === 0x2d;
    i++;
  }
  const d0 = i;
  while (i < e && buf[i] >= 0x30 && buf[i] <= 0x39) i++;
  const nd = i - d0;
  if (nd === 0) return false;
  if (i < e && buf[i] !== 0 && !isCSpace(buf[i])) return false;
  out.neg = neg;
  out.minus = neg;
  if (nd <= FAST_DIGITS) {
    let v = 0;
    for (let k = d0; k < i; k++) v = v * 10 + (buf[k] - 0x30);
    out.small = v;
  } else {
    let v = 0n;
    for (let k = d0; k < i; k++) v = v * 10n + BigInt(buf[k] - 0x30);
    out.small = -1;
    out.big = v;
  }
  return true;
}

/** Reusable scan record (parsing is synchronous; callers own their instance). */
export class NumberParser {
  private readonly sc: Scan = { neg: false, small: 0, big: 0n, minus: false };

  /**
   * safe_strtol into an int32_t: strtol parses a 64-bit long (ERANGE, so
   * null, only outside the long range) and memcached stores it into the
   * int32_t with no range check, so the value wraps modulo 2^32:
   * "2147483648" is -2147483648, "4294967297" is 1.
   */
  i32(buf: Uint8Array, s: number, e: number): number | null {
    const sc = this.sc;
    if (!scan(buf, s, e, sc)) return null;
    if (sc.small >= 0) {
      // |n| < 10^15 < 2^53: ToInt32 (`| 0`) is the exact modulo-2^32 wrap.
      return (sc.neg ? -sc.small : sc.small) | 0;
    }
    const v = sc.neg ? -sc.big : sc.big;
    if (v >= TWO_63 || v < -TWO_63) return null; // strtol: ERANGE
    return Number(BigInt.asIntN(32, v));
  }

  /** safe_strtoull: an unsigned 64-bit value, or null. */
  u64(buf: Uint8Array, s: number, e: number): bigint | null {
    const sc = this.sc;
    if (!scan(buf, s, e, sc)) return null;
    const mag = sc.small >= 0 ? BigInt(sc.small) : sc.big;
    if (mag >= TWO_64) return null; // ERANGE
    const v = sc.neg ? (TWO_64 - mag) % TWO_64 : mag;
    if (v >= TWO_63 && sc.minus) return null;
    return v;
  }

  /**
   * safe_strtoul into a uint32_t on a 64-bit build: parsed as unsigned long
   * (64 bits) with the same negative check, then truncated to 32 bits.
   */
  u32(buf: Uint8Array, s: number, e: number): number | null {
    const sc = this.sc;
    if (!scan(buf, s, e, sc)) return null;
    if (sc.small >= 0 && !sc.neg && sc.small <= 0xffffffff) return sc.small;
    const v = this.u64(buf, s, e);
    return v === null ? null : Number(BigInt.asUintN(32, v));
  }
}

/**
 * mutilate's KeyGenerator (Generator.h @d65c6ef): key i is the decimal index
 * i zero-padded to max(round(G), digits(records)) characters (at most 255:
 * mutilate formats into a 256-byte buffer), where G is the key-size generator
 * evaluated at U = fnv_64(i) / 2^64, so every key keeps one length for the
 * whole run. fnv_64 is FNV-1a over the index's 8 little-endian bytes (util.cc).
 */
import type { Rng } from "../../core/rng.ts";
import type { Generator } from "./generators.ts";

/** FNV-1a 64-bit offset basis and prime (util.cc FNV1_64_INIT, FNV_64_PRIME). */
const FNV1_64_INIT = 0xcbf29ce484222325n;
const FNV_64_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;
/** 2^64, the double mutilate divides by (ULLONG_MAX rounds to it). */
const TWO_64 = 18446744073709551616;
/** mutilate's `char key[256]`: keys are at most 255 characters. */
export const MAX_KEY_CHARS = 255;
const DIGIT_0 = 0x30;

/** mutilate fnv_64(index): FNV-1a over the 8 little-endian bytes of the index. */
export function fnv64(index: number): bigint {
  let h = FNV1_64_INIT;
  let x = BigInt(index);
  for (let i = 0; i < 8; i++) {
    h ^= x & 0xffn;
    h = (h * FNV_64_PRIME) & MASK_64;
    x >>= 8n;
  }
  return h;
}

/** Decimal digits of a positive integer (mutilate floor(log10(n)) + 1). */
export function digits(n: number): number {
  return Math.floor(Math.log10(n)) + 1;
}

export class KeyGenerator {
  /** Cached length per key index (0 = not computed yet). */
  private readonly lengths: Uint8Array;
  private readonly minLen: number;

  /**
   * `records` keys; `sizes` is the `-K` generator; `rng` feeds only generators
   * that ignore U (fb_value's head), never the fnv-derived U.
   */
  constructor(
    private readonly sizes: Generator,
    readonly records: number,
    private readonly rng: Rng,
  ) {
    if (!(records >= 1) || !Number.isInteger(records)) {
      throw new RangeError(`records must be a positive integer, got ${records}`);
    }
    this.lengths = new Uint8Array(records);
    this.minLen = digits(records);
  }

  /** The length of key `index` (fixed for the run). */
  length(index: number): number {
    let len = this.lengths[index];
    if (len === 0) {
      const u = Number(fnv64(index)) / TWO_64;
      const g = Math.round(this.sizes.at(u, this.rng));
      len = Number.isNaN(g) ? this.minLen : Math.min(MAX_KEY_CHARS, Math.max(g, this.minLen));
      this.lengths[index] = len;
    }
    return len;
  }

  /** Writes key `index` at `buf[pos]`; returns the position after it. */
  write(index: number, buf: Uint8Array, pos: number): number {
    const len = this.length(index);
    let x = index;
    for (let i = pos + len - 1; i >= pos; i--) {
      buf[i] = DIGIT_0 + (x % 10);
      x = Math.floor(x / 10);
    }
    return pos + len;
  }

  /** Key `index` as a string (tests, logs). */
  key(index: number): string {
    return String(index).padStart(this.length(index), "0");
  }
}

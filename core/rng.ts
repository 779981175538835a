/**
 * Seeded random numbers with independent named streams.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 32-bit state words so it runs on
 * plain JS integer ops. A stream's state is derived from (root seed, stream
 * name) by hashing the name (FNV-1a) and expanding with splitmix32, never from
 * another stream's draws: adding a component that draws random numbers does not
 * shift any other component's sequence.
 */

/** FNV-1a 32-bit offset basis and prime (public-domain FNV spec). */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** splitmix32 increment (golden-ratio constant 0x9e3779b9). */
const GOLDEN = 0x9e3779b9;
/** 2^-32, to map a uint32 to [0, 1). */
const INV_2_32 = 1 / 4294967296;

function fnv1a(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A seeded xoshiro128** stream; {@link Rng.stream} derives independent named sub-streams.
 *
 * @example Same seed, same draws
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "./rng.ts";
 *
 * const a = new Rng(42).stream("arrivals");
 * const b = new Rng(42).stream("arrivals");
 * assert.equal(a.float(), b.float());
 * assert.notEqual(a.int(1 << 30), new Rng(42).stream("sizes").int(1 << 30));
 * ```
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * A stream identified by `seed` and `name`. Streams with different names are
   * statistically independent; the same (seed, name) always yields the same sequence.
   */
  constructor(readonly seed: number, readonly name = "root") {
    // splitmix32 expansion of (seed, hash(name)) into four non-zero state words.
    let x = (Math.imul(seed >>> 0, 0x85ebca6b) ^ fnv1a(name)) >>> 0;
    const next = () => {
      x = (x + GOLDEN) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent stream derived from this stream's seed and `name`. */
  stream(name: string): Rng {
    return new Rng(this.seed, `${this.name}/${name}`);
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 bits of randomness. */
  float(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float in (0, 1): never 0, safe for logarithms. */
  floatOpen(): number {
    return (this.nextU32() + 0.5) * INV_2_32;
  }

  /** Uniform integer in [0, n) without modulo bias (n <= 2^32). */
  int(n: number): number {
    if (!(n >= 1) || n > 4294967296) throw new RangeError(`int(n) needs 1 <= n <= 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  /** Fills `out` with random bytes. */
  fill(out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i += 4) {
      let x = this.nextU32();
      for (let j = 0; j < 4 && i + j < out.length; j++) {
        out[i + j] = x & 255;
        x >>>= 8;
      }
    }
    return out;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

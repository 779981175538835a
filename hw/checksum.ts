/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * Sums are kept "partial": a plain non-negative JS number holding an unfolded
 * one's-complement sum of big-endian 16-bit words (exact while below 2^53).
 * {@link checksumAdd} adds a byte range to a partial sum, {@link fold} folds
 * a partial sum to 16 bits with end-around carry, and {@link checksumFinish}
 * folds and complements it into the value that goes in a header field.
 *
 * Speed: long ranges are summed 32 bits at a time through an aligned
 * `Int32Array` view in the platform's byte order. One's-complement addition
 * is byte-order independent (RFC 1071 section 2(B)): the little-endian sum,
 * folded, equals the byte-swapped big-endian sum, so we swap once at the end.
 * Each word's two 16-bit halves are added to separate small-integer
 * accumulators, in chunks short enough that they never overflow int31.
 *
 * The one implementation for the whole simulator: the mPIPE's L4 checksum
 * offload (hw/mpipe.ts) and the network stack's wire formats both use it.
 *
 * @module
 */

/** Below this many bytes the byte loop beats setting up a 32-bit view (measured, bench/checksum_bench.ts). */
const WORD_LOOP_MIN_BYTES = 64;
/** 32-bit words per inner loop: 2^14 words * 2 * 0xffff < 2^31 keeps the halves' sums small integers. */
const WORDS_PER_CHUNK = 1 << 14;
/** 2^32, for folding sums above 32 bits. */
const TWO_32 = 4294967296;
/** True on little-endian platforms (all the ones Deno runs on, but we check). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Folds a partial sum to 16 bits with end-around carry (result in 0..0xffff). */
export function fold(sum: number): number {
  // 2^32 = 1 (mod 0xffff), so bits above 32 fold onto the low 32 bits.
  while (sum > 0xffffffff) sum = (sum % TWO_32) + Math.floor(sum / TWO_32);
  sum = (sum >>> 16) + (sum & 0xffff);
  return (sum >>> 16) + (sum & 0xffff);
}

/** Swaps the two bytes of a 16-bit value. */
export function swap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** The value to store in a checksum field: the complement of the folded sum. */
export function checksumFinish(sum: number): number {
  return ~fold(sum) & 0xffff;
}

/**
 * Adds `len` bytes of `bytes` starting at `off` to the partial sum `partial`.
 *
 * `pos` is the position of this piece within the whole checksummed byte
 * stream (only its parity matters): when several pieces are summed one after
 * the other (a gather list), pass the running byte count so a piece that starts
 * at an odd position is added with its bytes in the right halves of the words.
 */
export function checksumAdd(
  partial: number,
  bytes: Uint8Array,
  off: number,
  len: number,
  pos = 0,
): number {
  if (len <= 0) return partial;
  const s = len < WORD_LOOP_MIN_BYTES ? sumBytes(bytes, off, len) : sumWords(bytes, off, len);
  // s is the folded sum of the piece as if it started at an even position.
  return partial + ((pos & 1) === 0 ? s : swap16(s));
}

/** RFC 1071 checksum of one byte range (the value to put in a header field). */
export function internetChecksum(bytes: Uint8Array, off: number, len: number): number {
  return checksumFinish(checksumAdd(0, bytes, off, len));
}

/**
 * Partial sum of the IPv4 pseudo-header (RFC 793 section 3.1): addresses
 * (unsigned 32-bit integers, a.b.c.d = a<<24|...), protocol, L4 length.
 */
export function pseudoHeaderSum(
  src: number,
  dst: number,
  protocol: number,
  l4Len: number,
): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + l4Len;
}

/**
 * RFC 1624 eqn. 3 incremental update: the new checksum field value after one
 * 16-bit word of the covered data changed from `oldWord` to `newWord`.
 */
export function checksumAdjust(oldChecksum: number, oldWord: number, newWord: number): number {
  const sum = (~oldChecksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~fold(sum) & 0xffff;
}

/** {@link checksumAdjust} for a 32-bit field (e.g. an IPv4 address) at an even offset. */
export function checksumAdjust32(oldChecksum: number, oldValue: number, newValue: number): number {
  const sum = (~oldChecksum & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff) +
    ((newValue >>> 16) & 0xffff) + (newValue & 0xffff);
  return ~fold(sum) & 0xffff;
}

/** Byte loop: big-endian pairs, folded result. */
function sumBytes(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  const end = off + len - 1;
  let i = off;
  for (; i < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i === end) sum += b[i] << 8;
  return fold(sum);
}

/** Unfolded big-endian sum of 0..3 bytes at `i` (a word loop's unaligned head or tail). */
function sumEdge(b: Uint8Array, i: number, n: number): number {
  if (n === 0) return 0;
  if (n === 1) return b[i] << 8;
  const w = (b[i] << 8) | b[i + 1];
  return n === 2 ? w : w + (b[i + 2] << 8);
}

/**
 * 32-bit views of the whole of the last few buffers summed. Frames and
 * payloads live in a handful of long-lived region buffers (each stack's
 * receive buffers, each application's send buffers) and a round trip sums
 * several of them in turn, so remembering a few views (replaced round-robin)
 * saves creating one per checksum. (They keep those buffers alive until
 * replaced.)
 */
const WORD_VIEWS = 8;
const wordBufs: (ArrayBufferLike | null)[] = new Array(WORD_VIEWS).fill(null);
const wordViews: Int32Array<ArrayBufferLike>[] = new Array(WORD_VIEWS).fill(new Int32Array(0));
let wordNext = 0;

/** A 32-bit view of the whole of `buf`, from the cache when it holds one. */
function wordViewOf(buf: ArrayBufferLike): Int32Array<ArrayBufferLike> {
  const words = buf.byteLength >>> 2;
  for (let i = 0; i < WORD_VIEWS; i++) {
    // (A growable buffer may have grown since its view was made: then make a new one.)
    if (wordBufs[i] === buf && wordViews[i].length === words) return wordViews[i];
  }
  const view = new Int32Array(buf, 0, words);
  wordBufs[wordNext] = buf;
  wordViews[wordNext] = view;
  wordNext = (wordNext + 1) % WORD_VIEWS;
  return view;
}

/** Word loop through an aligned Int32Array view; folded big-endian result. */
function sumWords(b: Uint8Array, off: number, len: number): number {
  const abs = b.byteOffset + off;
  const head = (4 - (abs & 3)) & 3;
  const words = (len - head) >>> 2;
  const tailStart = off + head + words * 4;
  // Head bytes (0..3) sit at relative position 0: plain big-endian. Tail bytes
  // start at relative position head + 4*words, whose parity is the head's.
  let edge = sumEdge(b, off, head);
  const tail = sumEdge(b, tailStart, off + len - tailStart);
  edge += (head & 1) === 0 ? tail : swap16(fold(tail));
  // Word index of the first aligned word (abs + head is a multiple of 4).
  const base = (abs + head) >>> 2;
  const view = wordViewOf(b.buffer);
  let mid = 0;
  for (let w = 0; w < words; w += WORDS_PER_CHUNK) {
    const stop = base + Math.min(words, w + WORDS_PER_CHUNK);
    // Summing the 16-bit halves separately keeps every value a small integer
    // (no int32 -> double conversions in the optimised loop).
    let lo = 0, hi = 0;
    for (let i = base + w; i < stop; i++) {
      const a = view[i];
      lo += a & 0xffff;
      hi += a >>> 16;
    }
    mid += lo + hi;
  }
  mid = fold(mid);
  // The middle is in native order starting at relative position `head`.
  // Native little-endian words put the first byte low: swap to big-endian when
  // that first byte sits at an even relative position (it should be high).
  const firstIsHigh = (head & 1) === 0;
  if (LITTLE_ENDIAN === firstIsHigh) mid = swap16(mid);
  return fold(edge + mid);
}

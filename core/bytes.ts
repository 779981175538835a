/**
 * Cheap allocation of small, short-lived byte arrays.
 *
 * `new Uint8Array(n)` gives every array its own backing store, which V8 makes
 * expensive for all but the tiniest sizes (a separate allocation plus garbage
 * collector bookkeeping: several hundred nanoseconds per frame header). A
 * {@link ByteSlab} instead carves arrays out of a large shared ArrayBuffer as
 * views. Memory is never reused: a slab is used once, front to back, and
 * replaced when full (the garbage collector frees it once no view into it is
 * alive), so every array it returns is zero-filled and unaliased, exactly like
 * `new Uint8Array(n)`. Only `byteOffset` and `buffer` differ.
 */

/** Default slab size in bytes. */
export const DEFAULT_SLAB_BYTES = 64 * 1024;
/** Views start at multiples of this, so word-wise readers see the same alignment as fresh arrays. */
const ALIGN = 8;

export class ByteSlab {
  private buf: ArrayBuffer | null = null;
  private off = 0;
  /** Requests longer than this get their own array instead of a slab view. */
  private readonly maxView: number;

  constructor(readonly slabBytes: number = DEFAULT_SLAB_BYTES) {
    if (!Number.isInteger(slabBytes) || slabBytes < ALIGN) {
      throw new RangeError(`ByteSlab size must be an integer >= ${ALIGN}, got ${slabBytes}`);
    }
    this.maxView = slabBytes >>> 4;
  }

  /** A new zero-filled array of `len` bytes (never shared with another caller). */
  alloc(len: number): Uint8Array {
    if (len > this.maxView) return new Uint8Array(len);
    let buf = this.buf;
    const off = this.off;
    if (buf === null || off + len > buf.byteLength) {
      buf = this.buf = new ArrayBuffer(this.slabBytes);
      this.off = (len + ALIGN - 1) & ~(ALIGN - 1);
      return new Uint8Array(buf, 0, len);
    }
    this.off = (off + len + ALIGN - 1) & ~(ALIGN - 1);
    return new Uint8Array(buf, off, len);
  }
}

/**
 * The part of a request line that arrived in an earlier segment.
 *
 * Receive buffers go back to the stack after every event, so a line split
 * across segments must be copied into the connection's own buffer (and the
 * copy charged by the caller). The buffer is created on first use and grows by
 * doubling; callers bound its length before appending.
 */

/** Initial capacity of a partial-line buffer (most request lines are shorter). */
export const PARTIAL_INITIAL_BYTES = 256;

export class PartialLine {
  private buf: Uint8Array | null = null;
  /** Bytes held. */
  len = 0;

  /** The held bytes are `bytes[0, len)`. */
  get bytes(): Uint8Array {
    return this.buf ?? EMPTY;
  }

  /** Appends `src[s, e)`. */
  append(src: Uint8Array, s: number, e: number): void {
    const n = e - s;
    if (n <= 0) return;
    const need = this.len + n;
    let buf = this.buf;
    if (buf === null || buf.length < need) {
      let cap = buf === null ? PARTIAL_INITIAL_BYTES : buf.length;
      while (cap < need) cap *= 2;
      const grown = new Uint8Array(cap);
      if (buf !== null) grown.set(buf.subarray(0, this.len));
      buf = grown;
      this.buf = grown;
    }
    buf.set(src.subarray(s, e), this.len);
    this.len = need;
  }

  /** Forgets the held bytes (keeps the buffer for reuse). */
  clear(): void {
    this.len = 0;
  }

  /** Forgets the held bytes and drops the buffer. */
  dispose(): void {
    this.len = 0;
    this.buf = null;
  }
}

const EMPTY = new Uint8Array(0);

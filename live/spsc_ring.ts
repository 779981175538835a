/**
 * A lock-free single-producer/single-consumer ring of variable-length records
 * of 32-bit words in a SharedArrayBuffer: how the live mode's Workers talk
 * (frames from the driver to a network Worker, socket events to an application
 * Worker, commands back, freed receive slots back to the driver).
 *
 * Layout: a control block of {@link CONTROL_WORDS} Int32s (head = words
 * written, tail = words consumed; both free-running and wrapping at 2^32) and a
 * data area of a power-of-two number of words. A record is a length word
 * followed by its words; a record never straddles the end of the data area: a
 * {@link PAD} word sends the consumer back to the start.
 *
 * Ordering: the producer writes the record with plain stores, then publishes it
 * with `Atomics.store(head)`; the consumer reads `head` with `Atomics.load`
 * before it reads the record and publishes the space with
 * `Atomics.store(tail)` after. Sequentially consistent atomics order the plain
 * accesses around them (ECMAScript memory model), so no record is read before
 * it is complete and no space is reused before it is read. Exactly one thread
 * may push and exactly one may pop.
 *
 * ```ts
 * const ring = new SpscRing(SpscRing.allocate(64));
 * ring.tryPush(Uint32Array.of(7, 8), 2); // true
 * const out = new Uint32Array(8);
 * ring.tryPop(out); // 2 (out[0] = 7, out[1] = 8)
 * ring.tryPop(out); // -1: empty
 * ```
 */

/** Int32 words of the control block (head, tail, and padding to a cache line). */
export const CONTROL_WORDS = 16;
/** Word index of the head (words ever written). */
const HEAD = 0;
/** Word index of the tail (words ever consumed); on its own 64-byte cache line. */
const TAIL = 8;
/** Bytes per word. */
const WORD_BYTES = 4;
/** Length-word value that marks the rest of the data area as unused. */
export const PAD = 0xffffffff;

export class SpscRing {
  /** Data-area words. */
  readonly capacity: number;
  /** Longest record (words, without its length word): half the data area. */
  readonly maxRecord: number;
  readonly buffer: SharedArrayBuffer;
  private readonly ctl: Int32Array;
  private readonly data: Uint32Array;
  private readonly mask: number;

  /** A SharedArrayBuffer for a ring of `capacityWords` data words (a power of two >= 4). */
  static allocate(capacityWords: number): SharedArrayBuffer {
    if (
      !Number.isInteger(capacityWords) || capacityWords < 4 ||
      (capacityWords & (capacityWords - 1)) !== 0 || capacityWords > 1 << 28
    ) {
      throw new RangeError(`ring capacity must be a power of two in 4..2^28, got ${capacityWords}`);
    }
    return new SharedArrayBuffer((CONTROL_WORDS + capacityWords) * WORD_BYTES);
  }

  /** Attaches to a ring made by {@link allocate} (either end may attach in any Worker). */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    const words = buffer.byteLength / WORD_BYTES - CONTROL_WORDS;
    if (!Number.isInteger(words) || words < 4 || (words & (words - 1)) !== 0) {
      throw new RangeError("not a ring buffer (data area is not a power of two of words)");
    }
    this.capacity = words;
    this.mask = words - 1;
    this.maxRecord = words / 2 - 1;
    this.ctl = new Int32Array(buffer, 0, CONTROL_WORDS);
    this.data = new Uint32Array(buffer, CONTROL_WORDS * WORD_BYTES, words);
  }

  /** Words in use (records, length words and padding), as seen now. */
  get used(): number {
    return (Atomics.load(this.ctl, HEAD) - Atomics.load(this.ctl, TAIL)) >>> 0;
  }

  /** True when no record is waiting (consumer side; a hint elsewhere). */
  isEmpty(): boolean {
    return Atomics.load(this.ctl, HEAD) === Atomics.load(this.ctl, TAIL);
  }

  /**
   * Appends `src[0..n)` as one record; false (nothing written) when the ring
   * has no room now. Producer only. Throws for a record longer than
   * {@link maxRecord} (a programming error: it could never fit).
   */
  tryPush(src: ArrayLike<number>, n: number): boolean {
    if (n < 0 || n > this.maxRecord) {
      throw new RangeError(`record of ${n} words exceeds the ring's limit of ${this.maxRecord}`);
    }
    const head = Atomics.load(this.ctl, HEAD) >>> 0;
    const tail = Atomics.load(this.ctl, TAIL) >>> 0;
    const free = this.capacity - ((head - tail) >>> 0);
    const pos = head & this.mask;
    const toEnd = this.capacity - pos;
    const need = n + 1;
    let start = pos;
    let advance = need;
    if (need > toEnd) {
      // Pad to the end and start over at 0.
      advance = toEnd + need;
      start = 0;
    }
    if (advance > free) return false;
    const d = this.data;
    if (start !== pos) d[pos] = PAD;
    d[start] = n;
    for (let i = 0; i < n; i++) d[start + 1 + i] = src[i];
    Atomics.store(this.ctl, HEAD, (head + advance) | 0);
    return true;
  }

  /**
   * Removes the oldest record into `dst` and returns its length in words, or
   * -1 when the ring is empty. Consumer only. Throws when `dst` is too short.
   */
  tryPop(dst: Uint32Array): number {
    const tail = Atomics.load(this.ctl, TAIL) >>> 0;
    const head = Atomics.load(this.ctl, HEAD) >>> 0;
    if (head === tail) return -1;
    const d = this.data;
    let pos = tail & this.mask;
    let consumed = 0;
    let n = d[pos];
    if (n === PAD) {
      consumed = this.capacity - pos;
      pos = 0;
      n = d[0];
    }
    if (n > dst.length) {
      throw new RangeError(`record of ${n} words does not fit a ${dst.length}-word buffer`);
    }
    for (let i = 0; i < n; i++) dst[i] = d[pos + 1 + i];
    Atomics.store(this.ctl, TAIL, (tail + consumed + n + 1) | 0);
    return n;
  }
}

/**
 * A doorbell: a shared Int32 a consumer sleeps on while its rings are empty
 * and producers ring after pushing. Waiting is bounded by a timeout, so a
 * missed ring costs at most that long.
 */
export class Doorbell {
  private readonly cell: Int32Array;
  constructor(buffer: SharedArrayBuffer, index = 0) {
    this.cell = new Int32Array(buffer, index * WORD_BYTES, 1);
  }
  /** A SharedArrayBuffer for `count` doorbells. */
  static allocate(count = 1): SharedArrayBuffer {
    return new SharedArrayBuffer(count * WORD_BYTES);
  }
  /** The current value; pass it to {@link wait} after checking the rings. */
  read(): number {
    return Atomics.load(this.cell, 0);
  }
  /** Sleeps until rung after `seen` was read, or `timeoutMs` passes (Workers only). */
  wait(seen: number, timeoutMs: number): void {
    Atomics.wait(this.cell, 0, seen, timeoutMs);
  }
  ring(): void {
    Atomics.add(this.cell, 0, 1);
    Atomics.notify(this.cell, 0);
  }
}

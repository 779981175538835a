/**
 * A small growable FIFO ring (the hardware model's queues; core/queue.ts is
 * not a dependency of hw/). Push at the tail, shift at the head, both O(1);
 * capacity doubles when full and never shrinks, so steady-state use does not
 * allocate.
 */

/** Initial slots of a FIFO (a power of two). */
const INITIAL_SLOTS = 8;

export class Fifo<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private count = 0;
  private mask: number;

  constructor(initialSlots = INITIAL_SLOTS) {
    let n = INITIAL_SLOTS;
    while (n < initialSlots) n *= 2;
    this.buf = new Array(n).fill(undefined);
    this.mask = n - 1;
  }

  get length(): number {
    return this.count;
  }

  push(v: T): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & this.mask] = v;
    this.count++;
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return v;
  }

  /** The head without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.buf[this.head];
  }

  /** The i-th element from the head (0 = head), or undefined when out of range. */
  at(i: number): T | undefined {
    return i >= 0 && i < this.count ? this.buf[(this.head + i) & this.mask] : undefined;
  }

  private grow(): void {
    const n = this.buf.length * 2;
    const next: (T | undefined)[] = new Array(n).fill(undefined);
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.mask = n - 1;
  }
}

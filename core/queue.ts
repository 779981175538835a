/**
 * A bounded FIFO queue on a preallocated ring buffer.
 *
 * Models hardware and software queues of fixed depth (NIC rings, NoC
 * demultiplexing queues, socket backlogs). Pushing onto a full queue does not
 * throw: it returns false and counts the overflow, so callers can drop and
 * count by reason. No operation allocates once the queue is constructed.
 */
export class BoundedQueue<T> {
  /** Maximum number of items held at once. */
  readonly capacity: number;
  /** Pushes refused because the queue was full, since construction or {@link resetStats}. */
  drops = 0;
  /** Largest length reached, since construction or {@link resetStats}. */
  highWater = 0;
  /** Items accepted by {@link push}, since construction or {@link resetStats}. */
  pushed = 0;

  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  /** Number of items queued. */
  get length(): number {
    return this.size;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  get isFull(): boolean {
    return this.size === this.capacity;
  }

  /** Free slots left. */
  get free(): number {
    return this.capacity - this.size;
  }

  /** Appends `item`; returns false (and counts a drop) when the queue is full. */
  push(item: T): boolean {
    if (this.size === this.capacity) {
      this.drops++;
      return false;
    }
    let tail = this.head + this.size;
    if (tail >= this.capacity) tail -= this.capacity;
    this.items[tail] = item;
    this.size++;
    this.pushed++;
    if (this.size > this.highWater) this.highWater = this.size;
    return true;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const h = this.head;
    const item = this.items[h];
    this.items[h] = undefined; // do not retain references to consumed items
    this.head = h + 1 === this.capacity ? 0 : h + 1;
    this.size--;
    return item;
  }

  /** The oldest item without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.head];
  }

  /** The i-th oldest item (0 = head), or undefined when out of range. */
  at(i: number): T | undefined {
    if (!(i >= 0 && i < this.size)) return undefined;
    let j = this.head + Math.floor(i);
    if (j >= this.capacity) j -= this.capacity;
    return this.items[j];
  }

  /** Removes every item (statistics are kept). */
  clear(): void {
    while (this.size > 0) this.shift();
    this.head = 0;
  }

  /** Zeroes the drop and push counters; the high-water mark restarts at the current length. */
  resetStats(): void {
    this.drops = 0;
    this.pushed = 0;
    this.highWater = this.size;
  }
}

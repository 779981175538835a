/**
 * An indexed binary min-heap of timer owners (connections), keyed by each
 * owner's earliest deadline and tie-broken by a stable id so that equal
 * deadlines fire in a deterministic order. Owners store their own heap index,
 * so changing a deadline is O(log n) and `min` is O(1), which keeps the
 * host's nextDeadline() call after every input cheap.
 */
import type { Time } from "../../core/time.ts";

export interface TimerOwner {
  /** Earliest deadline of this owner; Infinity when no timer is armed. */
  deadline: Time;
  /** Position in the heap, -1 when absent. Managed by the heap. */
  heapIdx: number;
  /** Stable tie-breaker. */
  readonly id: number;
}

/** Initial slots of a heap's key arrays (they double when full). */
const INITIAL_SLOTS = 64;

export class TimerHeap<T extends TimerOwner> {
  private items: T[] = [];
  // Each item's deadline and id by heap position: comparisons read these
  // dense arrays, not the owners (large objects, one cache miss each). An
  // owner's deadline changes only right before its update() or after its
  // remove(), so the copies are always current.
  private keys = new Float64Array(INITIAL_SLOTS);
  private ids = new Float64Array(INITIAL_SLOTS);

  get size(): number {
    return this.items.length;
  }

  /** Earliest deadline in the heap, or Infinity. */
  min(): Time {
    return this.items.length > 0 ? this.keys[0] : Infinity;
  }

  /** The owner with the earliest deadline (undefined when empty). */
  peek(): T | undefined {
    return this.items[0];
  }

  /**
   * Puts `t` at its current `deadline`: inserts, moves or (when the deadline is
   * Infinity) removes it.
   */
  update(t: T): void {
    if (t.deadline === Infinity) {
      this.remove(t);
      return;
    }
    if (t.heapIdx < 0) {
      const i = this.items.length;
      if (i === this.keys.length) this.grow();
      this.items.push(t);
      this.up(i, t, t.deadline, t.id);
      return;
    }
    const i = t.heapIdx, d = t.deadline, id = t.id;
    if (i > 0 && this.less(d, id, (i - 1) >> 1)) this.up(i, t, d, id);
    else this.down(i, t, d, id);
  }

  remove(t: T): void {
    const i = t.heapIdx;
    if (i < 0) return;
    const last = this.items.pop() as T;
    t.heapIdx = -1;
    if (last === t) return;
    const n = this.items.length, d = this.keys[n], id = this.ids[n];
    if (i > 0 && this.less(d, id, (i - 1) >> 1)) this.up(i, last, d, id);
    else this.down(i, last, d, id);
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const ids = new Float64Array(this.ids.length * 2);
    ids.set(this.ids);
    this.ids = ids;
  }

  /** Whether (deadline `d`, id `id`) comes before the item at position `j`. */
  private less(d: number, id: number, j: number): boolean {
    const k = this.keys[j];
    return d < k || (d === k && id < this.ids[j]);
  }

  /** Places `t` (deadline `d`, id `id`) at `i` or above. */
  private up(i: number, t: T, d: number, id: number): void {
    const items = this.items, keys = this.keys, ids = this.ids;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const k = keys[p];
      if (!(d < k || (d === k && id < ids[p]))) break;
      const pt = items[p];
      items[i] = pt;
      keys[i] = k;
      ids[i] = ids[p];
      pt.heapIdx = i;
      i = p;
    }
    items[i] = t;
    keys[i] = d;
    ids[i] = id;
    t.heapIdx = i;
  }

  /** Places `t` (deadline `d`, id `id`) at `i` or below. */
  private down(i: number, t: T, d: number, id: number): void {
    const items = this.items, keys = this.keys, ids = this.ids, n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(keys[r], ids[r], l) ? r : l;
      const k = keys[c];
      if (!(k < d || (k === d && ids[c] < id))) break;
      const ct = items[c];
      items[i] = ct;
      keys[i] = k;
      ids[i] = ids[c];
      ct.heapIdx = i;
      i = c;
    }
    items[i] = t;
    keys[i] = d;
    ids[i] = id;
    t.heapIdx = i;
  }
}

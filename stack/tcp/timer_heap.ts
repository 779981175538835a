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

export class TimerHeap<T extends TimerOwner> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Earliest deadline in the heap, or Infinity. */
  min(): Time {
    return this.items.length > 0 ? this.items[0].deadline : Infinity;
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
      t.heapIdx = this.items.length;
      this.items.push(t);
      this.up(t.heapIdx);
      return;
    }
    const i = t.heapIdx;
    if (i > 0 && this.less(t, this.items[(i - 1) >> 1])) this.up(i);
    else this.down(i);
  }

  remove(t: T): void {
    const i = t.heapIdx;
    if (i < 0) return;
    const last = this.items.pop() as T;
    t.heapIdx = -1;
    if (last === t) return;
    this.items[i] = last;
    last.heapIdx = i;
    if (i > 0 && this.less(last, this.items[(i - 1) >> 1])) this.up(i);
    else this.down(i);
  }

  private less(a: T, b: T): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.id < b.id);
  }

  private up(i: number): void {
    const items = this.items;
    const t = items[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = items[p];
      if (!this.less(t, pt)) break;
      items[i] = pt;
      pt.heapIdx = i;
      i = p;
    }
    items[i] = t;
    t.heapIdx = i;
  }

  private down(i: number): void {
    const items = this.items, n = items.length;
    const t = items[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(items[r], items[l]) ? r : l;
      const ct = items[c];
      if (!this.less(ct, t)) break;
      items[i] = ct;
      ct.heapIdx = i;
      i = c;
    }
    items[i] = t;
    t.heapIdx = i;
  }
}

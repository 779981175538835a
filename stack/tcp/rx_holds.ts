/**
 * Receive buffers handed to the application through `new_data`, by rxId,
 * until the application says `recvDone`. Ids are consecutive per connection,
 * so the holds live in an array indexed by (rxId - first id) rather than a
 * hash map; released entries are compacted away from the front. The byte
 * total feeds the advertised receive window.
 */
import type { SharedRx } from "../buf.ts";

/** Compact the front once this many released entries pile up. */
const COMPACT_THRESHOLD = 64;

export class RxHolds {
  private holds: (SharedRx | SharedRx[] | null)[] = [];
  private sizes: number[] = [];
  private head = 0;
  /** rxId of holds[0]. */
  private firstId = 1;
  /** Bytes delivered and not yet released. */
  bytes = 0;

  /** Number of outstanding deliveries. */
  get outstanding(): number {
    let n = 0;
    for (let i = this.head; i < this.holds.length; i++) if (this.holds[i] !== null) n++;
    return n;
  }

  /** Records a delivery of `bytes` held by `rx`; returns its rxId. */
  add(rx: SharedRx | SharedRx[], bytes: number): number {
    const id = this.firstId + this.holds.length;
    this.holds.push(rx);
    this.sizes.push(bytes);
    this.bytes += bytes;
    return id;
  }

  /** Releases delivery `rxId`; false if it is not outstanding. */
  release(rxId: number): boolean {
    const i = rxId - this.firstId;
    if (!Number.isInteger(i) || i < this.head || i >= this.holds.length) return false;
    const h = this.holds[i];
    if (h === null) return false;
    releaseHold(h);
    this.holds[i] = null;
    this.bytes -= this.sizes[i];
    while (this.head < this.holds.length && this.holds[this.head] === null) this.head++;
    if (this.head === this.holds.length) {
      this.firstId += this.head;
      this.holds.length = 0;
      this.sizes.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_THRESHOLD && this.head * 2 >= this.holds.length) {
      this.holds.splice(0, this.head);
      this.sizes.splice(0, this.head);
      this.firstId += this.head;
      this.head = 0;
    }
    return true;
  }

  /** Releases every outstanding delivery. */
  clear(): void {
    for (let i = this.head; i < this.holds.length; i++) {
      const h = this.holds[i];
      if (h !== null) releaseHold(h);
    }
    this.firstId += this.holds.length;
    this.holds.length = 0;
    this.sizes.length = 0;
    this.head = 0;
    this.bytes = 0;
  }
}

function releaseHold(h: SharedRx | SharedRx[]): void {
  if (Array.isArray(h)) { for (const rx of h) rx.release(); }
  else h.release();
}

/**
 * Receive buffers handed to the application through `new_data`, by rxId,
 * until the application says `recvDone`. Ids are consecutive per connection,
 * so the holds live in a ring indexed by rxId (a power-of-two capacity that
 * doubles when more deliveries are outstanding than it holds; core/ring.ts),
 * not a hash map:
 * adding and releasing allocate nothing in the steady state. The byte total
 * feeds the advertised receive window.
 */
import { doubleRing, nullSlots, numberSlots, RING_INITIAL_CAPACITY } from "../../core/ring.ts";
import type { SharedRx } from "../buf.ts";

/** What one delivery holds. */
type Hold = SharedRx | SharedRx[];

export class RxHolds {
  private holds = nullSlots<Hold>(RING_INITIAL_CAPACITY);
  private sizes = numberSlots(RING_INITIAL_CAPACITY);
  private mask = RING_INITIAL_CAPACITY - 1;
  /** Oldest rxId that may still be outstanding. */
  private firstId = 1;
  /** Next rxId to hand out. */
  private nextId = 1;
  /** Bytes delivered and not yet released. */
  bytes = 0;

  /** Number of outstanding deliveries. */
  get outstanding(): number {
    let n = 0;
    for (let id = this.firstId; id < this.nextId; id++) {
      if (this.holds[id & this.mask] !== null) n++;
    }
    return n;
  }

  /** Records a delivery of `bytes` held by `rx`; returns its rxId. */
  add(rx: Hold, bytes: number): number {
    if (this.nextId - this.firstId > this.mask) this.grow();
    const id = this.nextId++;
    const i = id & this.mask;
    this.holds[i] = rx;
    this.sizes[i] = bytes;
    this.bytes += bytes;
    return id;
  }

  private grow(): void {
    this.holds = doubleRing(this.holds, this.firstId, this.nextId, nullSlots<Hold>);
    this.sizes = doubleRing(this.sizes, this.firstId, this.nextId, numberSlots);
    this.mask = this.holds.length - 1;
  }

  /** Releases delivery `rxId`; false if it is not outstanding. */
  release(rxId: number): boolean {
    if (!Number.isInteger(rxId) || rxId < this.firstId || rxId >= this.nextId) return false;
    const i = rxId & this.mask;
    const h = this.holds[i];
    if (h === null) return false;
    releaseHold(h);
    this.holds[i] = null;
    this.bytes -= this.sizes[i];
    while (this.firstId < this.nextId && this.holds[this.firstId & this.mask] === null) {
      this.firstId++;
    }
    return true;
  }

  /** Releases every outstanding delivery. */
  clear(): void {
    for (let id = this.firstId; id < this.nextId; id++) {
      const i = id & this.mask;
      const h = this.holds[i];
      if (h !== null) releaseHold(h);
      this.holds[i] = null;
    }
    this.firstId = this.nextId;
    this.bytes = 0;
  }
}

function releaseHold(h: Hold): void {
  if (Array.isArray(h)) { for (const rx of h) rx.release(); }
  else h.release();
}

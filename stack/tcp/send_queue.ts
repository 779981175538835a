/**
 * The send queue of one connection: the application's buffer references,
 * never copied, from the oldest unacknowledged byte to the newest queued one,
 * plus the completion tokens of each send. Positions are absolute stream
 * offsets (bytes queued since the connection opened, exact up to 2^53), so
 * this module never deals with sequence-number wrap; the connection maps
 * sequence numbers to offsets.
 */
import { doubleRing, numberSlots, RING_INITIAL_CAPACITY, undefinedSlots } from "../../core/ring.ts";
import type { BufRef } from "../../hw/buffers.ts";

/**
 * The references and the tokens live in rings indexed by ever-increasing
 * logical positions (slot = position & mask), grown by doubling when full
 * (core/ring.ts):
 * in the steady state queueing, slicing and acknowledging allocate nothing
 * but the slices themselves.
 */
export class SendQueue {
  private refs = undefinedSlots<BufRef>(RING_INITIAL_CAPACITY);
  private refMask = RING_INITIAL_CAPACITY - 1;
  /** Logical positions of the oldest unacknowledged ref and one past the newest. */
  private head = 0;
  private tail = 0;
  /** Bytes of the ref at `head` already acknowledged. */
  private headOff = 0;
  /** Stream offset of the first unacknowledged byte. */
  acked = 0;
  /** Stream offset just past the last queued byte. */
  queued = 0;
  // Slicing cursor: position (curIdx, curOff) is stream offset curAbs.
  private curIdx = 0;
  private curOff = 0;
  private curAbs = 0;
  // Completion tokens: token tokVal[i] completes when `acked` reaches tokEnd[i].
  private tokEnd = numberSlots(RING_INITIAL_CAPACITY);
  private tokVal = numberSlots(RING_INITIAL_CAPACITY);
  private tokMask = RING_INITIAL_CAPACITY - 1;
  private tokHead = 0;
  private tokTail = 0;

  /** Bytes queued and not yet acknowledged. */
  get bytes(): number {
    return this.queued - this.acked;
  }

  /** Queues `refs` (zero-length refs are skipped); `token` completes when all are acked. */
  push(refs: readonly BufRef[], token: number): number {
    let n = 0;
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i];
      if (r.len > 0) {
        if (this.tail - this.head > this.refMask) this.growRefs();
        this.refs[this.tail++ & this.refMask] = r;
        n += r.len;
      }
    }
    this.queued += n;
    if (this.tokTail - this.tokHead > this.tokMask) this.growTokens();
    const i = this.tokTail++ & this.tokMask;
    this.tokEnd[i] = this.queued;
    this.tokVal[i] = token;
    return n;
  }

  private growRefs(): void {
    this.refs = doubleRing(this.refs, this.head, this.tail, undefinedSlots<BufRef>);
    this.refMask = this.refs.length - 1;
  }

  private growTokens(): void {
    this.tokEnd = doubleRing(this.tokEnd, this.tokHead, this.tokTail, numberSlots);
    this.tokVal = doubleRing(this.tokVal, this.tokHead, this.tokTail, numberSlots);
    this.tokMask = this.tokEnd.length - 1;
  }

  /** True when the oldest pending token's bytes are all acknowledged. */
  tokenReady(): boolean {
    return this.tokHead < this.tokTail && this.tokEnd[this.tokHead & this.tokMask] <= this.acked;
  }

  /** Removes and returns the oldest token (call only when {@link tokenReady}). */
  popToken(): number {
    return this.tokVal[this.tokHead++ & this.tokMask];
  }

  /** Number of tokens not yet completed. */
  get pendingTokens(): number {
    return this.tokTail - this.tokHead;
  }

  /** Acknowledges `n` more bytes (clamped to what is queued). */
  ack(n: number): void {
    n = Math.min(n, this.queued - this.acked);
    if (n <= 0) return;
    this.acked += n;
    let left = n;
    while (left > 0) {
      const slot = this.head & this.refMask;
      const r = this.refs[slot] as BufRef;
      const rest = r.len - this.headOff;
      if (left < rest) {
        this.headOff += left;
        left = 0;
      } else {
        left -= rest;
        this.headOff = 0;
        this.refs[slot] = undefined;
        this.head++;
      }
    }
    if (this.curAbs < this.acked) this.resetCursor();
  }

  private resetCursor(): void {
    this.curIdx = this.head;
    this.curOff = this.headOff;
    this.curAbs = this.acked;
  }

  /**
   * References to `len` bytes starting at stream offset `from` (which must lie
   * in [acked, queued - len]). A whole queued ref is passed through as is;
   * partial ones are sliced (new objects, no copy).
   */
  slice(from: number, len: number): BufRef[] {
    if (from < this.curAbs) this.resetCursor();
    const refs = this.refs, mask = this.refMask;
    // advance the cursor to `from`
    let idx = this.curIdx, off = this.curOff, abs = this.curAbs;
    while (abs < from) {
      const r = refs[idx & mask] as BufRef;
      const rest = r.len - off;
      const step = from - abs;
      if (step < rest) {
        off += step;
        abs += step;
      } else {
        abs += rest;
        off = 0;
        idx++;
      }
    }
    const first = len > 0 ? refs[idx & mask] : undefined;
    if (first !== undefined && len <= first.len - off) {
      // The common case, one piece: a one-element literal instead of a growing array.
      const whole = off === 0 && len === first.len;
      const piece = whole ? first : { mem: first.mem, off: first.off + off, len };
      if (len === first.len - off) {
        idx++;
        off = 0;
      } else {
        off += len;
      }
      this.curIdx = idx;
      this.curOff = off;
      this.curAbs = abs + len;
      return [piece];
    }
    const out: BufRef[] = [];
    let left = len;
    while (left > 0) {
      const r = refs[idx & mask] as BufRef;
      const rest = r.len - off;
      const take = left < rest ? left : rest;
      out.push(off === 0 && take === r.len ? r : { mem: r.mem, off: r.off + off, len: take });
      left -= take;
      abs += take;
      if (take === rest) {
        idx++;
        off = 0;
      } else {
        off += take;
      }
    }
    this.curIdx = idx;
    this.curOff = off;
    this.curAbs = abs;
    return out;
  }

  /** Drops everything (connection gone); returns the tokens that never completed. */
  clear(): number[] {
    const left: number[] = [];
    for (let p = this.tokHead; p < this.tokTail; p++) left.push(this.tokVal[p & this.tokMask]);
    this.refs.fill(undefined);
    this.head = this.tail = this.headOff = 0;
    this.tokHead = this.tokTail = 0;
    this.acked = this.queued;
    this.resetCursor();
    return left;
  }
}

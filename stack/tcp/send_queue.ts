/**
 * The send queue of one connection: the application's buffer references,
 * never copied, from the oldest unacknowledged byte to the newest queued one,
 * plus the completion tokens of each send. Positions are absolute stream
 * offsets (bytes queued since the connection opened, exact up to 2^53), so
 * this module never deals with sequence-number wrap; the connection maps
 * sequence numbers to offsets.
 */
import type { BufRef } from "../buf.ts";

/** Compact the front of the arrays once this many consumed entries pile up. */
const COMPACT_THRESHOLD = 64;

export class SendQueue {
  private refs: BufRef[] = [];
  private head = 0;
  /** Bytes of refs[head] already acknowledged. */
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
  private tokEnd: number[] = [];
  private tokVal: number[] = [];
  private tokHead = 0;

  /** Bytes queued and not yet acknowledged. */
  get bytes(): number {
    return this.queued - this.acked;
  }

  /** Queues `refs` (zero-length refs are skipped); `token` completes when all are acked. */
  push(refs: readonly BufRef[], token: number): number {
    let n = 0;
    for (const r of refs) {
      if (r.len > 0) {
        this.refs.push(r);
        n += r.len;
      }
    }
    this.queued += n;
    this.tokEnd.push(this.queued);
    this.tokVal.push(token);
    return n;
  }

  /** True when the oldest pending token's bytes are all acknowledged. */
  tokenReady(): boolean {
    return this.tokHead < this.tokEnd.length && this.tokEnd[this.tokHead] <= this.acked;
  }

  /** Removes and returns the oldest token (call only when {@link tokenReady}). */
  popToken(): number {
    const t = this.tokVal[this.tokHead++];
    if (this.tokHead >= COMPACT_THRESHOLD && this.tokHead * 2 >= this.tokEnd.length) {
      this.tokEnd.splice(0, this.tokHead);
      this.tokVal.splice(0, this.tokHead);
      this.tokHead = 0;
    }
    return t;
  }

  /** Number of tokens not yet completed. */
  get pendingTokens(): number {
    return this.tokEnd.length - this.tokHead;
  }

  /** Acknowledges `n` more bytes (clamped to what is queued). */
  ack(n: number): void {
    n = Math.min(n, this.queued - this.acked);
    if (n <= 0) return;
    this.acked += n;
    let left = n;
    while (left > 0) {
      const r = this.refs[this.head];
      const rest = r.len - this.headOff;
      if (left < rest) {
        this.headOff += left;
        left = 0;
      } else {
        left -= rest;
        this.headOff = 0;
        this.head++;
      }
    }
    if (this.curAbs < this.acked) this.resetCursor();
    if (this.head >= COMPACT_THRESHOLD && this.head * 2 >= this.refs.length) {
      this.refs.splice(0, this.head);
      this.curIdx -= this.head;
      this.head = 0;
    }
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
    // advance the cursor to `from`
    let idx = this.curIdx, off = this.curOff, abs = this.curAbs;
    while (abs < from) {
      const r = this.refs[idx];
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
    const first = len > 0 ? this.refs[idx] : undefined;
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
      const r = this.refs[idx];
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
    const left = this.tokVal.slice(this.tokHead);
    this.refs.length = 0;
    this.tokEnd.length = 0;
    this.tokVal.length = 0;
    this.head = this.headOff = this.tokHead = 0;
    this.acked = this.queued;
    this.resetCursor();
    return left;
  }
}

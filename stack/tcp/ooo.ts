/**
 * Out-of-order reassembly queue. Segments that arrive beyond RCV.NXT are kept
 * as references into their receive buffers (each piece holds the frame's
 * SharedRx), sorted by sequence number, never overlapping, bounded by a
 * segment count and a byte count. Data already queued wins over a newer copy;
 * a new segment that covers queued ones entirely replaces them.
 */
import type { SharedRx } from "../buf.ts";
import type { BufRef } from "../../hw/buffers.ts";
import { seqAdd, seqDiff, seqGt, seqLe, seqLt } from "./seq.ts";

/** Result of {@link OooQueue.insert} when the bound forced a drop. */
export const OOO_DROPPED = -1;

export class OooQueue {
  private seqs: number[] = [];
  private refs: BufRef[] = [];
  private rxs: SharedRx[] = [];
  /** Bytes queued. */
  bytes = 0;
  /** Start of the most recently queued segment (first SACK block, RFC 2018 section 4). */
  private lastSeq = 0;

  readonly maxSegments: number = 0;
  readonly maxBytes: number = 0;

  constructor(maxSegments: number, maxBytes: number) {
    this.maxSegments = maxSegments;
    this.maxBytes = maxBytes;
  }

  get count(): number {
    return this.seqs.length;
  }

  get empty(): boolean {
    return this.seqs.length === 0;
  }

  /**
   * Queues [seq, seq + ref.len). Returns the number of bytes newly queued (0
   * for a complete duplicate) or {@link OOO_DROPPED} when the bound was hit.
   * Retains `rx` for the piece it keeps.
   */
  insert(seq: number, ref: BufRef, rx: SharedRx): number {
    let s = seq, e = seqAdd(seq, ref.len);
    const seqs = this.seqs, refs = this.refs;
    const n = seqs.length;
    let i = 0;
    while (i < n && seqLt(seqs[i], s)) i++;
    if (i > 0) {
      const pEnd = seqAdd(seqs[i - 1], refs[i - 1].len);
      if (seqGt(pEnd, s)) s = pEnd;
      if (seqLe(e, s)) return 0;
    }
    // Queued segments the new one covers entirely are replaced.
    let j = i, coveredBytes = 0;
    while (j < n && seqLe(seqAdd(seqs[j], refs[j].len), e)) {
      coveredBytes += refs[j].len;
      j++;
    }
    if (j < n && seqLt(seqs[j], e)) e = seqs[j];
    const len = seqDiff(e, s);
    if (len <= 0) return 0;
    const segsAfter = n - (j - i) + 1;
    if (segsAfter > this.maxSegments || this.bytes - coveredBytes + len > this.maxBytes) {
      return OOO_DROPPED;
    }
    for (let k = i; k < j; k++) this.rxs[k].release();
    rx.retain();
    const piece: BufRef = { mem: ref.mem, off: ref.off + seqDiff(s, seq), len };
    seqs.splice(i, j - i, s);
    refs.splice(i, j - i, piece);
    this.rxs.splice(i, j - i, rx);
    this.bytes += len - coveredBytes;
    this.lastSeq = s;
    return len - coveredBytes;
  }

  /**
   * Moves the segments that have become in order (at or before `rcvNxt`) into
   * `outRefs`/`outRx` (ownership of the rx holds passes to the caller) and
   * returns the new RCV.NXT. Pieces that turned out entirely old are released.
   */
  drain(rcvNxt: number, outRefs: BufRef[], outRx: SharedRx[]): number {
    const seqs = this.seqs, refs = this.refs, rxs = this.rxs;
    let k = 0;
    while (k < seqs.length && seqLe(seqs[k], rcvNxt)) {
      const ref = refs[k];
      const end = seqAdd(seqs[k], ref.len);
      this.bytes -= ref.len;
      if (seqLe(end, rcvNxt)) {
        rxs[k].release();
      } else {
        const skip = seqDiff(rcvNxt, seqs[k]);
        outRefs.push(skip === 0 ? ref : { mem: ref.mem, off: ref.off + skip, len: ref.len - skip });
        outRx.push(rxs[k]);
        rcvNxt = end;
      }
      k++;
    }
    if (k > 0) {
      seqs.splice(0, k);
      refs.splice(0, k);
      rxs.splice(0, k);
    }
    return rcvNxt;
  }

  /**
   * Up to `max` SACK blocks [left, right) of contiguous queued data, the block
   * holding the most recently queued segment first (RFC 2018 section 4).
   */
  sackBlocks(max: number): Array<readonly [number, number]> {
    const blocks: Array<readonly [number, number]> = [];
    const seqs = this.seqs, refs = this.refs;
    let first = -1;
    for (let i = 0; i < seqs.length;) {
      const left = seqs[i];
      let right = seqAdd(left, refs[i].len);
      let hasLast = left === this.lastSeq;
      i++;
      while (i < seqs.length && seqs[i] === right) {
        if (seqs[i] === this.lastSeq) hasLast = true;
        right = seqAdd(right, refs[i].len);
        i++;
      }
      if (hasLast) first = blocks.length;
      blocks.push([left, right]);
    }
    if (first > 0) blocks.unshift(blocks.splice(first, 1)[0]);
    if (blocks.length > max) blocks.length = max;
    return blocks;
  }

  /** Releases everything queued. */
  clear(): void {
    for (const rx of this.rxs) rx.release();
    this.seqs.length = 0;
    this.refs.length = 0;
    this.rxs.length = 0;
    this.bytes = 0;
  }
}
